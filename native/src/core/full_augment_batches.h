// The trainer's source of training batches when `augmentation` is "full" (recipe 8.4 + 9): the
// PatchLoader cuts the enlarged source patch with the reference's oversampling, the whole
// augmentation chain runs in a PrefetchLoader pool ahead of the training step, and each batch comes
// back as the CPU tensors the step expects. Batches are keyed by (seed, rank, iteration), so a
// resumed run (any thread count) sees the very batches an uninterrupted one would.
#pragma once

#include <memory>
#include <vector>

#include "core/loader_prefetch.h"
#include "core/sampler.h"

namespace pipe_core {

struct FullAugmentOptions {
  Axes3 patch{128, 128, 128};
  int64_t batch_size = 2;              // this rank's batch
  double oversample_foreground = 0.33;  // this rank's oversample percent
  uint64_t seed = 0;
  uint64_t stream = 0;                 // the rank
  int64_t first_iteration = 0;         // epoch * iterations_per_epoch + iteration when resuming
  int threads = 1;                     // loader threads
  int depth = 2;                       // batches made ahead per thread
};

// The PatchLoader case views of opened cases (they must outlive the loader).
std::vector<LoaderCase> LoaderCasesOf(const std::vector<std::shared_ptr<LoadedCase>>& cases);

class FullAugmentBatches {
 public:
  FullAugmentBatches(const std::vector<std::shared_ptr<LoadedCase>>& cases, const FullAugmentOptions& options);
  // The next iteration's batch: data (B, C, P...) float32, seg (B, P...) int8 (labels already >= 0).
  Batch Next();
  const Axes3& source_patch() const { return source_patch_; }

 private:
  std::vector<std::shared_ptr<LoadedCase>> cases_;  // keeps the memory maps alive
  Axes3 source_patch_{};
  std::unique_ptr<PrefetchLoader> pool_;
  Axes3 patch_{};
  int64_t batch_ = 0, channels_ = 0;
};

}  // namespace pipe_core

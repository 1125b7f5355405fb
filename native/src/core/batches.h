// The trainer's batches, training and validation alike, from the one loader of recipe 8.4 + 9 (core/loader.h):
// the augmentation preset of TrainOptions becomes AugmentParams, the PatchLoader cuts the source patch with the
// reference's oversampling, and each batch comes back as the CPU tensors the step expects. Every sample is keyed by
// (seed, stream, iteration, index), so a resumed run sees the very batches an uninterrupted one would, whatever
// the thread count, and no random state needs to go into a checkpoint.
#pragma once

#include <memory>
#include <vector>

#include "core/cases.h"
#include "core/loader_prefetch.h"
#include "core/train_options.h"

namespace pipe_core {

// Validation batches use their own streams, above every rank's training stream.
constexpr uint64_t kValidationStream = uint64_t{1} << 32;

// The chain of a preset (train_options.h): "full" = the reference's AugmentParams with the options' mirroring,
// brightness, contrast and gamma; "basic" = that with the spatial transform, noise, blur, low resolution and
// inverted gamma at probability 0; enabled = false: NoAugmentation().
AugmentParams AugmentParamsOf(const AugmentationOptions& options);

// The box the loader cuts: the enlarged patch for "full", else loader_patch (0 = patch).
Axes3 SourcePatchOf(const TrainOptions& options, const AugmentParams& params);

struct BatchStreamOptions {
  Axes3 patch{128, 128, 128};
  Axes3 source_patch{128, 128, 128};                     // >= patch
  int64_t batch_size = 2;                                // this rank's batch
  double oversample_foreground = kOversampleForeground;  // this rank's oversample percent
  AugmentParams augment;
  uint64_t seed = 0;
  uint64_t stream = 0;          // the rank (training) or kValidationStream + rank
  int64_t first_iteration = 0;  // epoch * iterations_per_epoch + iteration when resuming
  int threads = 1;              // loader threads (TrainingBatches)
  int depth = 2;                // batches made ahead per thread (TrainingBatches)
};

// Training batches, made ahead of the step by a PrefetchLoader pool, in iteration order.
class TrainingBatches {
 public:
  TrainingBatches(const std::vector<std::shared_ptr<LoadedCase>>& cases, const BatchStreamOptions& options);
  // The next iteration's batch: data (B, C, P...) float32, seg (B, P...) int8 (labels >= 0).
  Batch Next();
  // Seconds Next() has stood still waiting for the loader threads, in all (PrefetchLoader::waited_seconds).
  double waited_seconds() const;

 private:
  std::vector<std::shared_ptr<LoadedCase>> cases_;  // keeps the memory maps alive
  std::unique_ptr<PrefetchLoader> pool_;
  Axes3 patch_{};
  int64_t batch_ = 0, channels_ = 0;
};

// Validation batches, made on the calling thread on demand: batch `index` of the run (epoch * val_iterations + v).
class ValidationBatches {
 public:
  ValidationBatches(const std::vector<std::shared_ptr<LoadedCase>>& cases, const BatchStreamOptions& options);
  Batch Get(int64_t index) const;

 private:
  std::vector<std::shared_ptr<LoadedCase>> cases_;
  std::shared_ptr<const PatchLoader> loader_;
};

}  // namespace pipe_core

// The training/validation patch loader of recipe 8.4 (nnU-Net v1 DataLoader3D) followed by the
// augmentation chain: draws cases with replacement, cuts the enlarged source patch with the
// reference's foreground oversampling, augments it to the final patch. Seeded per sample, so a
// batch is the same whatever thread makes it.
//
// Use (the train stage, one rank):
//   LoaderParams p;                                   // recipe defaults: 128^3, batch 2, kOversampleForeground
//   p.patch_size = plan.patch_size;
//   p.source_patch_size = ReferenceSourcePatchSize(p.patch_size, p.augment);  // 205^3 for 128^3
//   p.seed = seed; p.stream = rank;                   // + SplitBatchAcrossRanks(...) for DDP
//   auto loader = std::make_shared<const PatchLoader>(cases, p);   // cases: views of .npy data
//   PrefetchLoader pool(loader, PrefetchOptions{threads, depth, epoch * iterations_per_epoch});
//   for (...) { auto batch = pool.Next(); /* batch->image, batch->label */ pool.Recycle(std::move(batch)); }
// Validation loader: p.source_patch_size = p.patch_size; p.augment = NoAugmentation().
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/augment.h"

namespace pipe_core {

// Stored voxel positions (z, y, x) of one label (the preprocess stage's classLocations).
struct ClassLocations {
  int label = 0;
  std::vector<std::array<int64_t, 3>> voxels;
};

// One training case: its data (views, owned by the caller, e.g. memory maps) and class locations.
struct LoaderCase {
  std::string id;
  Volume volume;
  std::vector<ClassLocations> class_locations;
};

// Fraction of a batch forced to hold foreground (recipe 8.4, nnU-Net's oversample_foreground_percent): the one
// default of LoaderParams, TrainOptions::oversample_foreground and the trainer's batch streams.
constexpr double kOversampleForeground = 0.33;

struct LoaderParams {
  Shape3 patch_size{128, 128, 128};         // final patch (plan)
  Shape3 source_patch_size{205, 205, 205};  // enlarged patch cut from the case (ReferenceSourcePatchSize);
                                            // equal to patch_size for the validation loader
  int batch_size = 2;
  double oversample_foreground_percent = kOversampleForeground;  // sample j is forced iff j >= round(batch * (1 - p))
  AugmentParams augment;                                         // NoAugmentation() for the validation loader
  uint64_t seed = 0;
  uint64_t stream = 0;  // independent sample streams under one seed, e.g. the rank
};

// What one sample of a batch was made of.
struct SampleRecord {
  int case_index = -1;
  bool forced_foreground = false;  // the oversampling rule asked for foreground
  int forced_class = -1;           // the class whose stored voxel centred the patch; -1 if random
  Shape3 corner{0, 0, 0};          // lower corner of the source patch in the case
  AppliedAugmentation augmentation;
};

// Python round() (half to even) of batch * (1 - percent): samples at or above it are forced.
int FirstForcedSample(int batch_size, double oversample_foreground_percent);

// One rank's share in multi-device training (recipe 11.2, nnUNetTrainerV2_DDP
// set_batch_size_and_oversample): its batch size and the oversample percent its own loader uses,
// so that, as on one device, the last ~33% of the global batch is foreground-forced.
struct RankBatch {
  int batch_size = 0;
  double oversample_foreground_percent = 0.0;
};
// `split_batch` (--dbs): the plan batch is the global batch, ceil(batch / world) per rank with the
// tail cut (a rank may get 0; the reference would go negative there, this clamps at 0); otherwise
// every rank runs the plan batch. Feed each rank's values (and stream = rank) into LoaderParams.
std::vector<RankBatch> SplitBatchAcrossRanks(int plan_batch_size, int world_size, bool split_batch,
                                             double oversample_foreground_percent);

class PatchLoader {
 public:
  // Validates the cases (pointers, shapes, channels, class locations inside the volume) and params;
  // throws std::invalid_argument naming the case and field.
  PatchLoader(std::vector<LoaderCase> cases, LoaderParams params);

  const LoaderParams& params() const { return params_; }
  int channels() const { return channels_; }
  size_t num_cases() const { return cases_.size(); }
  int64_t patch_voxels() const { return params_.patch_size[0] * params_.patch_size[1] * params_.patch_size[2]; }
  // Buffer sizes of one batch: image (batch, C, P0, P1, P2) floats and label (batch, 1, P0, P1, P2).
  size_t image_floats_per_batch() const { return static_cast<size_t>(params_.batch_size) * channels_ * patch_voxels(); }
  size_t label_bytes_per_batch() const { return static_cast<size_t>(params_.batch_size) * patch_voxels(); }

  // Fills one batch of iteration `iteration` into caller buffers; `records` (batch entries) may be
  // null. Thread-safe (const); uses a per-thread scratch.
  void SampleBatch(int64_t iteration, float* image, int8_t* label, SampleRecord* records) const;
  // One sample of that batch: image (C, P...) and label (P...).
  SampleRecord SampleOne(int64_t iteration, int sample_index, float* image, int8_t* label,
                         AugmentScratch* scratch) const;

  // Lower-corner range [lb, ub] per axis for a case of `shape` (recipe 8.4), exposed for tests.
  void CornerBounds(const Shape3& shape, Shape3* lb, Shape3* ub) const;

 private:
  std::vector<LoaderCase> cases_;
  LoaderParams params_;
  int channels_ = 1;
  int first_forced_ = 0;
};

}  // namespace pipe_core

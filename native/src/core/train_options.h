// What a training run is asked to do, with the reference recipe's defaults (recipe 8.2-8.5, 9, 11). These structs
// own every training default: the addon hands a default-constructed TrainOptions to TypeScript
// (defaultTrainOptions()), which fills the fields a caller left out from it and keeps only range checks of its own.
// Plain C++: no N-API here.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/augment.h"
#include "core/cases.h"
#include "core/distributed.h"
#include "core/loss.h"
#include "core/network_plan.h"

namespace pipe_core {

// Augmentation of the training batches (recipe 9): one chain (core/augment.h), three presets.
//   pipeline "full"   the reference's whole chain on the enlarged source patch (ReferenceSourcePatchSize)
//   pipeline "basic"  the same chain with rotation, scaling, noise, blur, low resolution and inverted gamma at
//                     probability 0: brightness, contrast, gamma and mirroring of the loader patch's centre crop
//   enabled = false   nothing at all (centre crop), like the validation batches
// mirror, mirror_axes and the probabilities below apply to "full" and "basic" alike; their defaults are the
// reference chain's (AugmentParams in core/augment.h), which stays their one owner.
struct AugmentationOptions {
  bool enabled = true;
  std::string pipeline = "full";  // "full" | "basic"
  int loader_threads = 0;         // threads making batches ahead of the step; <= 0: 1 on CPU, 4 on an accelerator
  bool mirror = AugmentParams{}.do_mirror;
  std::array<bool, 3> mirror_axes = AugmentParams{}.mirror_axes;  // (z, y, x)
  double mirror_p = AugmentParams{}.p_mirror_per_axis;            // per axis
  double brightness_p = AugmentParams{}.p_brightness;             // per sample
  double contrast_p = AugmentParams{}.p_contrast;
  double gamma_p = AugmentParams{}.p_gamma;
};

struct TrainOptions {
  // -- per run (no default) --
  NetworkPlan network;
  std::vector<CaseSource> train_cases, val_cases;
  std::string out_dir;  // checkpoints land here
  Axes3 patch{128, 128, 128};
  Axes3 loader_patch{0, 0, 0};  // "basic" / off: the box cut before the centre crop; 0 = patch
  // -- recipe defaults --
  int64_t batch_size = 2;
  int64_t epochs = 1000, iterations_per_epoch = 250, val_iterations = 50;
  double lr = 0.01, momentum = 0.99, weight_decay = 3e-5, poly_exponent = 0.9, grad_clip = 12.0;
  bool nesterov = true;
  double oversample_foreground = kOversampleForeground;  // core/loader.h
  LossOptions loss;                                      // head_weights empty = all 1
  AugmentationOptions augmentation;
  std::string device = "cpu";
  std::string amp = "auto";  // auto | off | bf16 | fp16 (CPU: always off)
  // NDHWC (ChannelsLast3d) weights and inputs on CUDA, so cuDNN's NHWC kernels need no layout transposes:
  // off | on | auto (auto: on for CUDA where the fused norm kernels run, core/channels_last.h). The CPU path
  // ignores it and stays NCDHW, bit for bit.
  std::string channels_last = "auto";
  int threads = 0;  // intra-op threads, <= 0: all cores
  uint64_t seed = 0;
  int64_t checkpoint_every = 50;  // epochs; 0 = only at end / abort
  std::string resume_from;        // checkpoint path, empty = fresh
  int64_t progress_every = 1;     // iterations between iteration events
  double ema_alpha = 0.9;         // weight of the old EMA value
  // Multi-device (recipe 11): this process is rank distributed.rank of distributed.world_size; world_size 1 =
  // one process, no c10d. Rank 0 alone writes checkpoints and emits progress; every rank loads resume_from.
  DistributedOptions distributed;
  bool split_batch = true;  // --dbs: batch_size is the global batch, split across the ranks
};

// The checks core itself needs before anything is allocated; throws std::invalid_argument naming the field.
// (The TypeScript wrapper checks ranges and types first; this guards the C++ entry points.)
void CheckTrainOptions(const TrainOptions& options);

}  // namespace pipe_core

// The training loop (recipe 8): epochs x iterations of SGD (Nesterov, momentum 0.99, weight decay 3e-5) with poly
// LR, gradient clipping, deep-supervision DC+CE, optional AMP on CUDA, online validation pseudo-Dice with its EMA,
// model_best / latest / final checkpoints, abort with checkpoint, exact resume. Plain C++: no N-API here.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "core/basic_augment.h"
#include "core/distributed.h"
#include "core/loss.h"
#include "core/plan.h"
#include "core/sampler.h"

namespace pipe_core {

struct TrainOptions {
  NetworkPlan network;
  std::vector<CaseSource> train_cases, val_cases;
  std::string out_dir;                     // checkpoints land here
  int64_t batch_size = 2;
  Axes3 patch{128, 128, 128};
  Axes3 loader_patch{0, 0, 0};             // 0 = patch
  int64_t epochs = 1000, iterations_per_epoch = 250, val_iterations = 50;
  double lr = 0.01, momentum = 0.99, weight_decay = 3e-5, poly_exponent = 0.9, grad_clip = 12.0;
  bool nesterov = true;
  double oversample_foreground = 0.33;
  LossOptions loss;
  bool augment = true;                     // false: no augmentation at all (centre crop only)
  // "basic": centre crop + mirroring, brightness, contrast, gamma on the calling thread (augment_options);
  // "full": the reference's whole chain (recipe 9) on the enlarged source patch, made ahead of the step by
  // `loader_threads` native threads (loader_patch is ignored: the source patch follows from the patch).
  std::string augmentation = "basic";
  int loader_threads = 0;                  // <= 0: 1 on CPU (the step uses the cores), 4 on an accelerator
  BasicAugmentOptions augment_options;     // .patch is set from `patch`
  std::string device = "cpu";
  std::string amp = "auto";                // auto | off | bf16 | fp16 (CPU: always off)
  int threads = 0;                         // intra-op threads, <= 0: all cores
  uint64_t seed = 0;
  int64_t checkpoint_every = 50;           // epochs; 0 = only at end / abort
  std::string resume_from;                 // checkpoint path, empty = fresh
  int64_t progress_every = 1;              // iterations between iteration events
  double ema_alpha = 0.9;                  // weight of the old EMA value
  // Multi-device (recipe 11): this process is rank distributed.rank of distributed.world_size; world_size 1 =
  // one process, no c10d. Rank 0 alone writes checkpoints and emits progress; every rank loads resume_from.
  DistributedOptions distributed;
  bool split_batch = true;                 // --dbs: batch_size is the global batch, split across the ranks
};

struct ProgressEvent {
  std::string kind;  // "iteration" | "epoch" | "checkpoint"
  int64_t epoch = 0, iteration = 0, iterations = 0, epochs = 0;
  double loss = 0;                    // iteration: this batch's total loss; epoch: mean train loss
  std::vector<double> head_losses;    // iteration: per head X^{0,1..n}
  double lr = 0, samples_per_s = 0;
  double val_loss = 0, pseudo_dice = 0, ema = 0;  // epoch events (NaN when there is no validation)
  bool best = false;                  // epoch event: a new model_best was written
  std::string checkpoint;             // checkpoint event: the path written
  int world_size = 1;                 // ranks; loss / dice / samples_per_s are global over them
  std::vector<int64_t> rank_batch_sizes;  // per-rank batch (sum = global batch)
};

struct TrainResult {
  int64_t epochs_completed = 0;
  bool aborted = false;
  std::string final_checkpoint, latest_checkpoint, best_checkpoint;  // empty when not written
  std::vector<double> train_loss, val_loss, pseudo_dice, ema;
  double best_ema = 0, seconds = 0, samples_per_s = 0;
  std::string device, amp;
  int threads = 0;
  int world_size = 1;
  std::string backend;                // "" (one process) | gloo | nccl
  std::vector<int64_t> rank_batch_sizes;
  std::string augmentation;           // "off" | "basic" | "full"
  Axes3 source_patch{0, 0, 0};        // "full": the enlarged patch the loader cuts (this rank)
  int loader_threads = 0;             // "full": threads making batches
  std::string weights_digest;         // FNV-1a of the final parameters' bytes (identical on every rank)
};

using ProgressFn = std::function<void(const ProgressEvent&)>;

// Runs on the calling thread. `abort` (may be null) is polled before every iteration; when set, a checkpoint is
// written (checkpoint_latest.pt) and the result has aborted = true.
TrainResult Train(const TrainOptions& options, const ProgressFn& on_progress, const std::atomic<bool>* abort);

// One rank's loss options under `dist` (null or world 1: `base` unchanged). CE is a per-rank mean, so it is
// weighted by world * local / global; batch Dice uses the tp/fp/fn counts summed over the ranks, whose gradient the
// averaging divides by the world size, so it is weighted by world. The averaged gradient then equals the
// one-process gradient of the global batch (the reference's DDP leaves the Dice gradient divided by world).
LossOptions RankLossOptions(const LossOptions& base, DistributedContext* dist, int64_t local_batch,
                            int64_t global_batch);

// FNV-1a (hex) of the tensors' bytes: a cheap identity check of weights across ranks.
std::string WeightsDigest(const std::vector<torch::Tensor>& tensors);

// lr(e) = lr0 * (1 - e / epochs)^exponent
double PolyLr(double lr0, int64_t epoch, int64_t epochs, double exponent);

}  // namespace pipe_core

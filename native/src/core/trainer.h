// The training loop (recipe 8): epochs x iterations of SGD (Nesterov, momentum 0.99, weight decay 3e-5) with poly
// LR, gradient clipping, deep-supervision DC+CE, optional AMP on CUDA, online validation pseudo-Dice with its EMA,
// model_best / latest / final checkpoints, abort with checkpoint, exact resume. Train() reads as the recipe's
// hooks (training_run.h): CheckTrainOptions, SetUpRun, then per epoch TrainStep x iterations, ValidationEpoch,
// EndEpoch. Plain C++: no N-API here.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "core/rank_share.h"
#include "core/train_options.h"

namespace pipe_core {

struct ProgressEvent {
  std::string kind;  // "iteration" | "epoch" | "checkpoint"
  int64_t epoch = 0, iteration = 0, iterations = 0, epochs = 0;
  double loss = 0;                  // iteration: this batch's total loss; epoch: mean train loss
  std::vector<double> head_losses;  // iteration: per head X^{0,1..n}
  double lr = 0, samples_per_s = 0;
  double val_loss = 0, pseudo_dice = 0, ema = 0;  // epoch events (NaN when there is no validation)
  bool best = false;                              // epoch event: a new model_best was written
  std::string checkpoint;                         // checkpoint event: the path written
  int world_size = 1;                             // ranks; loss / dice / samples_per_s are global over them
  std::vector<int64_t> rank_batch_sizes;          // per-rank batch (sum = global batch)
  double loader_wait_s = 0;  // iteration event: seconds this rank's steps have waited for the loader, run so far
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
  std::string backend;  // "" (one process) | gloo | nccl
  std::vector<int64_t> rank_batch_sizes;
  std::string augmentation;     // "off" | "basic" | "full"
  Axes3 source_patch{0, 0, 0};  // the box the loader cuts (the enlarged patch for "full"; this rank)
  int loader_threads = 0;       // threads making training batches (0 when this rank has no batch)
  double loader_wait_s = 0;     // seconds this rank's steps stood still waiting for those threads (this call)
  std::string weights_digest;   // FNV-1a of the final parameters' bytes (identical on every rank)
};

using ProgressFn = std::function<void(const ProgressEvent&)>;

// Runs on the calling thread. `abort` (may be null) is polled before every iteration; when set, a checkpoint is
// written (checkpoint_latest.pt) and the result has aborted = true.
TrainResult Train(const TrainOptions& options, const ProgressFn& on_progress, const std::atomic<bool>* abort);

// FNV-1a (hex) of the tensors' bytes: a cheap identity check of weights across ranks.
std::string WeightsDigest(const std::vector<torch::Tensor>& tensors);

// lr(e) = lr0 * (1 - e / epochs)^exponent
double PolyLr(double lr0, int64_t epoch, int64_t epochs, double exponent);

}  // namespace pipe_core

// The training loop (recipe 8): epochs x iterations of SGD (Nesterov, momentum 0.99, weight decay 3e-5) with poly
// LR, gradient clipping, deep-supervision DC+CE, optional AMP on CUDA, online validation pseudo-Dice with its EMA,
// model_best / latest / final checkpoints, abort with checkpoint, exact resume. Plain C++: no N-API here.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "core/basic_augment.h"
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
  bool augment = true;
  BasicAugmentOptions augment_options;     // .patch is set from `patch`
  std::string device = "cpu";
  std::string amp = "auto";                // auto | off | bf16 | fp16 (CPU: always off)
  int threads = 0;                         // intra-op threads, <= 0: all cores
  uint64_t seed = 0;
  int64_t checkpoint_every = 50;           // epochs; 0 = only at end / abort
  std::string resume_from;                 // checkpoint path, empty = fresh
  int64_t progress_every = 1;              // iterations between iteration events
  double ema_alpha = 0.9;                  // weight of the old EMA value
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
};

struct TrainResult {
  int64_t epochs_completed = 0;
  bool aborted = false;
  std::string final_checkpoint, latest_checkpoint, best_checkpoint;  // empty when not written
  std::vector<double> train_loss, val_loss, pseudo_dice, ema;
  double best_ema = 0, seconds = 0, samples_per_s = 0;
  std::string device, amp;
  int threads = 0;
};

using ProgressFn = std::function<void(const ProgressEvent&)>;

// Runs on the calling thread. `abort` (may be null) is polled before every iteration; when set, a checkpoint is
// written (checkpoint_latest.pt) and the result has aborted = true.
TrainResult Train(const TrainOptions& options, const ProgressFn& on_progress, const std::atomic<bool>* abort);

// lr(e) = lr0 * (1 - e / epochs)^exponent
double PolyLr(double lr0, int64_t epoch, int64_t epochs, double exponent);

}  // namespace pipe_core

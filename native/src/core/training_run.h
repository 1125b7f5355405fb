// One training run's state and the steps Train() (trainer.h) is made of, in the spirit of nnU-Net's trainer hooks
// and llm.c's forward / backward / update: SetUpRun (devices, ranks, network, optimizer, resume, batch sources),
// TrainStep (one SGD step on one batch), ValidationEpoch (online pseudo-Dice), EndEpoch (EMA, model_best, latest,
// progress) and SaveCheckpoint. Internal to core: callers use Train().
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/batches.h"
#include "core/checkpoint.h"
#include "core/device.h"
#include "core/loss_readback.h"
#include "core/loss_scaler.h"
#include "core/trainer.h"
#include "core/segmentation_network.h"

namespace pipe_core {

struct TrainingRun {
  TrainingRun(const TrainOptions& options, const torch::Device& device);

  const TrainOptions& options;
  torch::Device device;
  AmpMode amp = AmpMode::kOff;
  bool channels_last = false;  // CUDA only: weights and inputs in ChannelsLast3d
  bool is_root = true;         // rank 0: writes checkpoints, emits progress
  ProgressFn emit;             // empty on the other ranks
  const std::atomic<bool>* abort = nullptr;
  RankShare share;
  std::unique_ptr<DistributedContext> dist;  // null for one process
  LossOptions loss_options;                  // weighted for this rank; head weights resolved (DefaultHeadWeights)
  int64_t num_heads = 0;
  SegmentationNetwork net{nullptr};  // the architecture options.network names (MakeNetwork)
  std::unique_ptr<torch::optim::SGD> optimizer;
  std::vector<torch::Tensor> params;
  LossScaler scaler{false};
  TrainState state;  // epoch / iteration / histories (what a checkpoint resumes)
  CheckpointMeta meta;
  std::unique_ptr<TrainingBatches> train_batches;  // null when this rank's share is 0
  std::unique_ptr<ValidationBatches> val_batches;  // null without validation or with a share of 0
  bool validate = false;                           // val cases and val_iterations > 0 (on every rank)
  TrainResult result;
  std::chrono::steady_clock::time_point started;
  int64_t samples = 0;       // global samples trained in this process's lifetime
  double train_seconds = 0;  // time in training iterations (validation excluded)
  bool agreed_stop = false;  // several ranks: the summed abort flags of the last step
};

// What one validation epoch reports: mean loss and the global Dice of the network's last head (UNet++: X^{0,npool};
// Generic_UNet: its full-resolution output), NaN without validation.
struct ValidationScores {
  double loss = 0, pseudo_dice = 0;
};

// The heads of one batch's forward pass (under autocast) and its target on the device: (B, Z, Y, X) int64.
struct ForwardPass {
  std::vector<torch::Tensor> heads;
  torch::Tensor target;
};

// Threads, device, AMP, rank share and process group, network and optimizer (rank 0's weights on every rank),
// resume from options.resume_from, batch sources keyed from the resumed iteration, checkpoint metadata.
std::unique_ptr<TrainingRun> SetUpRun(const TrainOptions& options, const ProgressFn& on_progress,
                                      const std::atomic<bool>* abort);

// Forward of `batch` on the run's device and AMP mode (train or eval mode as the network is set).
ForwardPass ForwardBatch(TrainingRun& run, const Batch& batch);

// One iteration: zero grads, forward / loss / (scaled) backward on this rank's batch, gradient averaging across
// ranks, clip, step unless the fp16 scaler skips it. Returns the step's losses (global over the ranks) as a double
// tensor [total, head_1, ..., head_H], left on the device for a LossReadback.
torch::Tensor TrainStep(TrainingRun& run);

// Throws "training diverged" when a step's read loss is not finite (without an fp16 scaler, which skips such steps).
void CheckFinite(const TrainingRun& run, const ReadLosses& losses);

// options.val_iterations batches of the validation stream, no augmentation, no gradients.
ValidationScores ValidationEpoch(TrainingRun& run);

// Records the epoch's losses and Dice, updates the EMA, writes model_best / latest when due, emits the epoch event.
void EndEpoch(TrainingRun& run, double train_loss, const ValidationScores& validation, double lr);

// Writes checkpoint_<kind>.pt in out_dir and emits a checkpoint event (rank 0 only); returns the path on every rank.
std::string SaveCheckpoint(TrainingRun& run, const std::string& kind);

// A rank with an empty share (e.g. batch 2 on 3 ranks) still joins every batch-Dice collective of a forward pass.
void JoinDiceCounts(const TrainingRun& run);

// Stamps the rank layout on an event and hands it to the progress callback (rank 0 only).
void Emit(const TrainingRun& run, ProgressEvent event);

}  // namespace pipe_core

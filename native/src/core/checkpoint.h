// Checkpoints: one torch::serialize archive holding a magic string, a format version, the network plan (its
// architecture, fields, canonical text and hash), the weights, the SGD momentum buffers (by parameter index), epoch
// and in-epoch iteration, the loss scaler, the loss / metric history, and a checksum over all of it
// (checkpoint_checksum.h). No random state: every batch is keyed by (seed, rank, iteration) (core/batches.h), so epoch
// and iteration are all a resume needs. Nothing in it depends on the process (no tensor addresses), so identical
// trainings write identical bytes. Serialized in memory, then written atomically (core/durable_file.h): a full disk or
// an I/O error throws FileWriteError and keeps the previous checkpoint; a new "latest" keeps the one it replaces as
// PreviousCheckpointPath (checkpoint_latest.prev.pt), the fallback when the latest is found damaged.
#pragma once

#include <torch/torch.h>

#include <limits>
#include <string>
#include <vector>

#include "core/network_plan.h"
#include "core/segmentation_network.h"

namespace pipe_core {

constexpr const char* kCheckpointMagic = "pipe-unetpp-checkpoint";  // also for the other architectures
// Version 2 dropped the RNG states of version 1; version 3 records the plan's architecture (plan/architecture),
// stores the momentum buffers by parameter index instead of LibTorch's optimizer archive (keyed by tensor addresses)
// and adds the checksum. Versions 1 and 2 are still read (RNG entries ignored) as UNet++ weights ("unetpp"), without
// a checksum to check: CheckpointInfo::checksum is empty for them. (A build that reads at most version 2 refuses a
// version 3 file by its version, instead of loading Generic_UNet weights into a UNet++.)
constexpr int64_t kCheckpointVersion = 3;
constexpr int64_t kOldestReadableCheckpointVersion = 1;
constexpr int64_t kFirstChecksummedVersion = 3;

// Everything besides weights and optimizer that a resume needs.
struct TrainState {
  int64_t epoch = 0;      // completed epochs
  int64_t iteration = 0;  // completed iterations of epoch `epoch` (non-zero only for a checkpoint taken on abort)
  double partial_loss_sum = 0;
  int64_t partial_loss_count = 0;
  std::vector<double> train_loss, val_loss, pseudo_dice, ema;  // one entry per completed epoch
  double best_ema = -std::numeric_limits<double>::infinity();
  double loss_scale = 0;  // fp16 loss scaler (0 = not used)
  int64_t scaler_growth = 0;
};

// Descriptive fields (also stored; shown by readCheckpointInfo).
struct CheckpointMeta {
  std::string kind;  // "latest" | "best" | "final"
  int64_t epochs_total = 0, iterations_per_epoch = 0, batch_size = 0;
  Axes3 patch{};
  std::string device, amp, torch_version;
};

struct CheckpointInfo {
  int64_t format_version = 0;
  NetworkPlan plan;
  std::string plan_hash;
  CheckpointMeta meta;
  TrainState state;
  // "crc64:<16 hex>", checked against the content; empty for a file older than version 3 (loaded unverified).
  std::string checksum;
};

// `optimizer` (may be null): its momentum buffers are stored. A "latest" keeps the file it replaces (see above).
void SaveCheckpoint(const std::string& path, SegmentationNetworkImpl& net, torch::optim::SGD* optimizer,
                    const TrainState& state, const CheckpointMeta& meta);

// "<dir>/checkpoint_latest.prev.pt" for "<dir>/checkpoint_latest.pt": where a new latest keeps the one before.
std::string PreviousCheckpointPath(const std::string& path);

// Reads everything except weights and optimizer, and checks the checksum (the weights are loaded on the CPU for
// that). Throws CheckpointDamagedError for a damaged file (unreadable, or not matching its checksum) and
// CheckpointFormatError for a foreign one; both name the file.
CheckpointInfo ReadCheckpointInfo(const std::string& path);

// Loads weights (and the optimizer's momentum when given) into `net`, whose plan (architecture included) must equal
// the checkpoint's; otherwise throws PlanMismatchError naming the fields. Tensors are mapped to `device`. A damaged
// file throws CheckpointDamagedError before the optimizer is touched (`net` may then hold some of its weights).
CheckpointInfo LoadCheckpoint(const std::string& path, SegmentationNetworkImpl& net, torch::optim::SGD* optimizer,
                              const torch::Device& device);

// Builds the network the checkpoint describes (its architecture: MakeNetwork) and loads its weights on `device`.
SegmentationNetwork LoadModel(const std::string& path, const torch::Device& device, CheckpointInfo* info = nullptr);

}  // namespace pipe_core

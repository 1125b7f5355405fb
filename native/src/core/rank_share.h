// Multi-device bookkeeping (recipe 11.2): this rank's share of the global batch and its oversample percent, and
// the loss weights that make the averaged gradient equal the one-process gradient of the global batch.
#pragma once

#include <cstdint>
#include <vector>

#include "core/distributed.h"
#include "core/loss.h"
#include "core/train_options.h"

namespace pipe_core {

struct RankShare {
  int world = 1, rank = 0;
  int64_t local_batch = 0, global_batch = 0;
  double oversample = 0;         // this rank's oversample percent
  std::vector<int64_t> batches;  // every rank's batch
};

// One process: the whole batch; several: SplitBatchAcrossRanks (core/loader.h).
RankShare ShareOf(const TrainOptions& options);

// One rank's loss options under `dist` (null or world 1: `base` unchanged). CE is a per-rank mean, so it is
// weighted by world * local / global; batch Dice uses the tp/fp/fn counts summed over the ranks, whose gradient the
// averaging divides by the world size, so it is weighted by world. The averaged gradient then equals the
// one-process gradient of the global batch (the reference's DDP leaves the Dice gradient divided by world).
LossOptions RankLossOptions(const LossOptions& base, DistributedContext* dist, int64_t local_batch,
                            int64_t global_batch);

}  // namespace pipe_core

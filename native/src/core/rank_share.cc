// A rank's batch share and loss weights (see rank_share.h).
#include "core/rank_share.h"

#include "core/loader.h"

namespace pipe_core {

RankShare ShareOf(const TrainOptions& o) {
  RankShare r;
  r.world = o.distributed.world_size;
  r.rank = o.distributed.rank;
  if (r.world == 1) {
    r.local_batch = r.global_batch = o.batch_size;
    r.oversample = o.oversample_foreground;
    r.batches = {o.batch_size};
    return r;
  }
  const auto shares =
      SplitBatchAcrossRanks(static_cast<int>(o.batch_size), r.world, o.split_batch, o.oversample_foreground);
  for (const auto& s : shares) {
    r.batches.push_back(s.batch_size);
    r.global_batch += s.batch_size;
  }
  r.local_batch = shares[r.rank].batch_size;
  r.oversample = shares[r.rank].oversample_foreground_percent;
  return r;
}

LossOptions RankLossOptions(const LossOptions& base, DistributedContext* dist, int64_t local_batch,
                            int64_t global_batch) {
  LossOptions l = base;
  if (!dist || dist->world_size() == 1) return l;
  const double world = dist->world_size();
  const double weight = world * static_cast<double>(local_batch) / static_cast<double>(global_batch);
  l.ce_weight = weight;
  l.dice_weight = base.batch_dice ? world : weight;
  if (base.batch_dice)
    l.reduce_dice_counts = [dist](const torch::Tensor& counts) {
      torch::Tensor sum = counts.clone();
      dist->SumInPlace(sum);
      return sum;
    };
  return l;
}

}  // namespace pipe_core

// Online validation (recipe 8.5, see training_run.h): the global Dice of head X^{0,npool} over val_iterations
// patches of the validation cases, counts summed over the ranks. It reads the weights and writes none: the
// training weights never depend on it.
#include <limits>

#include "core/training_run.h"

namespace pipe_core {

ValidationScores ValidationEpoch(TrainingRun& run) {
  const TrainOptions& o = run.options;
  ValidationScores scores;
  scores.loss = scores.pseudo_dice = std::numeric_limits<double>::quiet_NaN();
  if (!run.validate) return scores;
  run.net->eval();
  torch::NoGradGuard no_grad;
  torch::Tensor tp, fp, fn;
  double sum = 0;
  for (int64_t v = 0; v < o.val_iterations; ++v) {
    if (!run.val_batches) {
      JoinDiceCounts(run);
      continue;
    }
    const ForwardPass f = ForwardBatch(run, run.val_batches->Get(run.state.epoch * o.val_iterations + v));
    sum += DeepSupervisionLoss(f.heads, f.target, run.loss_options).total.item<double>();
    AccumulateConfusion(f.heads.back(), f.target, tp, fp, fn);
  }
  if (run.dist) {  // global Dice from the counts of all ranks
    if (!tp.defined()) {
      const auto zeros = torch::zeros({o.network.num_classes - 1}, torch::TensorOptions().dtype(torch::kDouble));
      tp = zeros.clone();
      fp = zeros.clone();
      fn = zeros.clone();
    }
    torch::Tensor counts = torch::cat({tp, fp, fn});
    run.dist->SumInPlace(counts);
    const int64_t k = tp.size(0);
    tp = counts.narrow(0, 0, k).clone();
    fp = counts.narrow(0, k, k).clone();
    fn = counts.narrow(0, 2 * k, k).clone();
    sum = run.dist->Sum({sum})[0] / run.share.world;
  }
  scores.loss = sum / static_cast<double>(o.val_iterations);
  scores.pseudo_dice = GlobalDice(tp, fp, fn);
  return scores;
}

}  // namespace pipe_core

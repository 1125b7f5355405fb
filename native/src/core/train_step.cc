// One training iteration (see training_run.h): the recipe's step on this rank's batch, the gradient averaged across
// ranks before clipping (DDP), the fp16 loss scaler deciding whether the optimizer steps.
#include <cmath>
#include <stdexcept>
#include <string>

#include "core/training_run.h"

namespace pipe_core {

namespace {

torch::Tensor ToTarget(const torch::Tensor& seg, const torch::Device& device) {
  // -1 (outside the nonzero mask / padding) counts as background, as RemoveLabelTransform(-1 -> 0) does.
  return seg.clamp_min(0).to(torch::kLong).to(device);
}

}  // namespace

ForwardPass ForwardBatch(TrainingRun& run, const Batch& batch) {
  // batch.data is (B, C, Z, Y, X) float32, batch.seg (B, Z, Y, X) int8, both on the CPU.
  ForwardPass f;
  torch::Tensor x = batch.data.to(run.device);
  if (run.channels_last) x = x.contiguous(at::MemoryFormat::ChannelsLast3d);
  f.target = ToTarget(batch.seg, run.device);
  AutocastScope autocast(run.device, run.amp);
  f.heads = run.net->forward(x);
  return f;
}

StepLosses TrainStep(TrainingRun& run) {
  const TrainOptions& o = run.options;
  run.optimizer->zero_grad();
  LossResult loss;
  if (run.train_batches) {
    const ForwardPass f = ForwardBatch(run, run.train_batches->Next());
    loss = DeepSupervisionLoss(f.heads, f.target, run.loss_options);
    run.scaler.Backward(loss.total, run.params);
  } else {
    JoinDiceCounts(run);
  }
  if (run.dist) run.dist->AverageGradients(run.params);  // DDP: clip and step on the averaged gradient
  const double norm = torch::nn::utils::clip_grad_norm_(run.params, o.grad_clip);
  if (run.scaler.Update(norm)) run.optimizer->step();

  StepLosses out;
  out.total = loss.total.defined() ? loss.total.item<double>() : 0.0;
  for (int64_t k = 0; k < run.num_heads; ++k)
    out.heads.push_back(k < static_cast<int64_t>(loss.per_head.size()) ? loss.per_head[k].item<double>() : 0.0);
  if (run.dist) {  // global loss = mean over ranks of the weighted per-rank losses; abort agreed on by all ranks
    std::vector<double> local{run.abort && run.abort->load() ? 1.0 : 0.0, out.total};
    local.insert(local.end(), out.heads.begin(), out.heads.end());
    const std::vector<double> sum = run.dist->Sum(local);
    run.agreed_stop = sum[0] > 0;
    out.total = sum[1] / run.share.world;
    for (int64_t k = 0; k < run.num_heads; ++k) out.heads[k] = sum[2 + k] / run.share.world;
  }
  if (!std::isfinite(out.total) && !run.scaler.enabled())
    throw std::runtime_error("training diverged: loss is " + std::to_string(out.total) + " at epoch " +
                             std::to_string(run.state.epoch) + " iteration " + std::to_string(run.state.iteration));
  return out;
}

}  // namespace pipe_core

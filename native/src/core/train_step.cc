// One training iteration (see training_run.h): the recipe's step on this rank's batch, the gradient averaged across
// ranks before clipping (DDP), the fp16 loss scaler deciding whether the optimizer steps.
#include <cmath>
#include <stdexcept>
#include <string>

#include "core/sgd_step.h"
#include "core/training_run.h"

namespace pipe_core {

namespace {

// A loader batch on its way to the device. On CUDA it goes through pinned memory without blocking, queued behind the
// step the device is still running (the host no longer waits for it, loss_readback.h).
torch::Tensor Upload(const torch::Tensor& host, const torch::Device& device) {
  if (!device.is_cuda()) return host.to(device);
  return host.pin_memory().to(device, /*non_blocking=*/true);
}

torch::Tensor ToTarget(const torch::Tensor& seg, const torch::Device& device) {
  // -1 (outside the nonzero mask / padding) counts as background, as RemoveLabelTransform(-1 -> 0) does. The labels
  // travel as int8 and widen on the device (an eighth of the bytes of int64).
  return Upload(seg, device).clamp_min(0).to(torch::kLong);
}

}  // namespace

ForwardPass ForwardBatch(TrainingRun& run, const Batch& batch) {
  // batch.data is (B, C, Z, Y, X) float32, batch.seg (B, Z, Y, X) int8, both on the CPU.
  ForwardPass f;
  torch::Tensor x = Upload(batch.data, run.device);
  if (run.channels_last) x = x.contiguous(at::MemoryFormat::ChannelsLast3d);
  f.target = ToTarget(batch.seg, run.device);
  AutocastScope autocast(run.device, run.amp);
  f.heads = run.net->forward(x);
  return f;
}

torch::Tensor TrainStep(TrainingRun& run) {
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
  if (run.dist) run.dist->AverageGradients(run.params);              // DDP: clip and step on the averaged gradient
  ClipAndStep(run.params, o.grad_clip, run.scaler, *run.optimizer);  // no host wait unless the fp16 scaler reads

  // [total, head_1, ..., head_H]: the losses stay on the device until the trainer reads them (loss_readback.h).
  std::vector<torch::Tensor> parts;
  const auto zero = [&]() { return torch::zeros({}, torch::TensorOptions().dtype(torch::kDouble).device(run.device)); };
  parts.push_back(loss.total.defined() ? loss.total.detach().to(torch::kDouble) : zero());
  for (int64_t k = 0; k < run.num_heads; ++k)
    parts.push_back(k < static_cast<int64_t>(loss.per_head.size()) ? loss.per_head[k].to(torch::kDouble) : zero());
  torch::Tensor values = torch::stack(parts);
  if (run.dist) {  // global loss = mean over ranks of the weighted per-rank losses; abort agreed on by all ranks
    const torch::Tensor host = values.to(torch::kCPU);
    std::vector<double> local{run.abort && run.abort->load() ? 1.0 : 0.0};
    local.insert(local.end(), host.data_ptr<double>(), host.data_ptr<double>() + host.numel());
    const std::vector<double> sum = run.dist->Sum(local);
    run.agreed_stop = sum[0] > 0;
    values = torch::tensor(std::vector<double>(sum.begin() + 1, sum.end()), torch::kDouble) / run.share.world;
  }
  return values;
}

void CheckFinite(const TrainingRun& run, const ReadLosses& losses) {
  if (!std::isfinite(losses.total) && !run.scaler.enabled())
    throw std::runtime_error("training diverged: loss is " + std::to_string(losses.total) + " at epoch " +
                             std::to_string(losses.epoch) + " iteration " + std::to_string(losses.iteration));
}

}  // namespace pipe_core

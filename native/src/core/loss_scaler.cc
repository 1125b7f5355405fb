// fp16 dynamic loss scaling (see loss_scaler.h).
#include "core/loss_scaler.h"

#include <cmath>

namespace pipe_core {

void LossScaler::Restore(double scale, int64_t growth) {
  if (!enabled() || !(scale > 0)) return;
  scale_ = scale;
  growth_ = growth;
}

void LossScaler::Backward(const torch::Tensor& loss, const std::vector<torch::Tensor>& params) const {
  if (!enabled()) {
    loss.backward();
    return;
  }
  (loss * scale_).backward();
  std::vector<torch::Tensor> grads;
  for (const auto& p : params)
    if (p.grad().defined()) grads.push_back(p.grad());
  if (!grads.empty()) at::_foreach_mul_(grads, 1.0 / scale_);  // unscale: one multi-tensor kernel on CUDA
}

bool LossScaler::Update(double grad_norm) {
  if (!enabled()) return true;
  if (!std::isfinite(grad_norm)) {
    scale_ *= 0.5;
    growth_ = 0;
    return false;
  }
  if (++growth_ >= kGrowthInterval) {
    scale_ *= 2.0;
    growth_ = 0;
  }
  return true;
}

}  // namespace pipe_core

// Dynamic loss scaling for fp16 autocast, as torch.cuda.amp.GradScaler with its defaults: the loss is multiplied by
// the scale before backward and the gradients divided by it after; a step whose gradient norm is not finite is
// skipped and halves the scale; 2000 clean steps in a row double it. bf16 and fp32 need none: a disabled scaler
// runs a plain backward and never skips a step. The scale and growth count go into the checkpoint.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace pipe_core {

class LossScaler {
 public:
  static constexpr double kInitialScale = 65536.0;  // GradScaler's init_scale
  static constexpr int64_t kGrowthInterval = 2000;  // clean steps before the scale doubles

  explicit LossScaler(bool enabled) : scale_(enabled ? kInitialScale : 0.0) {}

  bool enabled() const { return scale_ > 0; }
  double scale() const { return scale_; }     // 0 when disabled
  int64_t growth() const { return growth_; }  // clean steps since the last change
  // Continues a resumed run; ignored when disabled or when the checkpoint had no scaler (scale <= 0).
  void Restore(double scale, int64_t growth);

  // backward of `loss` (a scalar), scaled; the gradients of `params` end up unscaled.
  void Backward(const torch::Tensor& loss, const std::vector<torch::Tensor>& params) const;
  // Called with the clipped gradients' norm: whether the optimizer may step. Updates the scale.
  bool Update(double grad_norm);

 private:
  double scale_ = 0;
  int64_t growth_ = 0;
};

}  // namespace pipe_core

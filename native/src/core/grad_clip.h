// Gradient-norm clipping that leaves the total norm on the device. LibTorch's clip_grad_norm_ returns a double, so
// every step waits there for the backward pass to finish; this one launches the same kernels (same math, same
// order: per-gradient 2-norms, their 2-norm, coefficient max/(norm+1e-6) clamped to 1, gradients scaled) and returns
// the norm as a 0-dim tensor, which is read only where a decision needs it (the fp16 loss scaler).
#pragma once

#include <torch/torch.h>

#include <vector>

namespace pipe_core {

// Scales the gradients of `params` so that their global 2-norm is at most max_norm; returns that norm before
// clipping (0-dim, float, on the gradients' device; a CPU zero when no parameter has a gradient).
torch::Tensor ClipGradNorm(const std::vector<torch::Tensor>& params, double max_norm);

}  // namespace pipe_core

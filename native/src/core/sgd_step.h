// One SGD step (momentum, Nesterov, weight decay) over all parameter tensors at once, with ATen's multi-tensor
// (_foreach) ops: on CUDA a handful of kernels instead of five per tensor (about 190 tensors in the Task03 UNet++),
// which is what torch.optim.SGD's default foreach path does in Python. Same arithmetic in the same order as
// torch::optim::SGD::step, and the momentum buffers stay in the optimizer's own state, so its save/load (checkpoints)
// and a later SGD::step see exactly what SGD::step would have left.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "core/loss_scaler.h"

namespace pipe_core {

void SgdStep(torch::optim::SGD& sgd);

// The momentum buffer SGD keeps for `param` (undefined before its first step), and setting it (checkpoints store the
// buffers by parameter index: the optimizer's own keys are tensor addresses, different in every process).
torch::Tensor MomentumBuffer(torch::optim::SGD& sgd, const torch::Tensor& param);
void SetMomentumBuffer(torch::optim::SGD& sgd, const torch::Tensor& param, const torch::Tensor& buffer);

// The end of a training step after backward: clip the gradients of `params` to max_norm (ClipGradNorm: the norm stays
// on the device) and SgdStep, unless the fp16 loss scaler skips the step (it reads the norm: the only host wait).
void ClipAndStep(const std::vector<torch::Tensor>& params, double max_norm, LossScaler& scaler, torch::optim::SGD& sgd);

}  // namespace pipe_core

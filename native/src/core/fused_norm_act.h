// InstanceNorm (affine) + LeakyReLU of ConvNormAct through the fused CUDA kernels (fused_norm_cuda.h), as a
// torch::autograd::Function: forward keeps x, mean and invstd; backward returns dx, dgamma and dbeta.
// Used only on CUDA tensors of fp32/fp16/bf16, only in builds that compiled the kernels (CMake finds CUDA), and only
// while the switch is on: environment PIPE_FUSED_NORM=0 selects LibTorch's instance_norm + leaky_relu instead
// (default on), so a run can compare both. The CPU path never comes here.
#pragma once

#include <torch/torch.h>

namespace pipe_core {

// True when this build compiled the CUDA kernels.
bool FusedNormActCompiled();

// The switch: false when the environment sets PIPE_FUSED_NORM=0 (read at each call, so a process may compare).
bool FusedNormActEnabled();

// Whether ConvNormAct takes the fused path for its conv output `x`: compiled, enabled, a 5-D CUDA tensor of
// fp32, fp16 or bf16.
bool UseFusedNormAct(const torch::Tensor& x);

// leaky_relu(instance_norm(x, gamma, beta, eps), slope) for x (N, C, D, H, W); the result has x's dtype and memory
// format (channels-last input runs without a copy). Throws when the build has no kernels or CUDA reports an error.
torch::Tensor FusedNormAct(const torch::Tensor& x, const torch::Tensor& gamma, const torch::Tensor& beta, double eps,
                           double slope);

}  // namespace pipe_core

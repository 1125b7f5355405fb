// InstanceNorm (affine) + LeakyReLU of ConvNormAct through the fused CUDA kernels (fused_norm_cuda.h), as a
// torch::autograd::Function: forward keeps x, mean and invstd; backward returns dx, dgamma and dbeta.
// Training uses it on CUDA tensors of fp32/fp16/bf16, in builds that compiled the kernels (CMake finds CUDA), while
// the switch is on: environment PIPE_FUSED_NORM=0 selects LibTorch's instance_norm + leaky_relu instead (default on),
// so a run can compare both. The CPU path does not come here, except with PIPE_FUSED_NORM=reference: then fp32 CPU
// tensors take the same autograd functions through the CPU reference of the kernels' math (fused_norm_cpu.h; slow),
// which is how the CPU tests exercise everything of the CUDA path but the kernels themselves.
#pragma once

#include <torch/torch.h>

namespace pipe_core {

// True when this build compiled the CUDA kernels.
bool FusedNormActCompiled();

// The switch: false when the environment sets PIPE_FUSED_NORM=0 (read at each call, so a process may compare);
// PIPE_FUSED_NORM=reference also turns the path on for fp32 CPU tensors (tests).
bool FusedNormActEnabled();

// Whether ConvNormAct takes the fused path for its input `x` (the conv output has the same device and an accepted
// dtype): enabled and 5-D, and either a CUDA tensor of fp32, fp16 or bf16 in a build with the kernels, or an fp32
// CPU tensor under PIPE_FUSED_NORM=reference.
bool UseFusedNormAct(const torch::Tensor& x);

// leaky_relu(instance_norm(x, gamma, beta, eps), slope) for x (N, C, D, H, W); the result has x's dtype and memory
// format (channels-last input runs without a copy). Runs the CUDA kernels for CUDA tensors (throws when the build has
// none or CUDA reports an error) and the CPU reference for fp32 CPU tensors.
// absorbed_bias (C), when given, is a per-channel constant added to x before the norm, which the norm removes
// exactly: it takes no part in the result, and its gradient is zero (x + b normalizes to the same values for any b).
torch::Tensor FusedNormAct(const torch::Tensor& x, const torch::Tensor& gamma, const torch::Tensor& beta, double eps,
                           double slope, const torch::Tensor& absorbed_bias = {});

}  // namespace pipe_core

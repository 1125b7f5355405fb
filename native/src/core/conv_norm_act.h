// The building block both networks are made of (recipe 7.2: nnU-Net's basic block, shared by Generic_UNet and
// UNet++), and their common weight initialisation. Because UNet++ (core/unetpp.h) and Generic_UNet
// (core/generic_unet.h) both use this one block, the CUDA path (fused norm kernels, channels-last) and the fast CPU
// conv serve both.
#pragma once

#include <torch/torch.h>

#include "core/network_plan.h"

namespace pipe_core {

constexpr double kLeakySlope = 1e-2;  // LeakyReLU negative slope, also the He-init `a`
constexpr double kNormEps = 1e-5;     // InstanceNorm eps

inline torch::ExpandingArray<3> Expand3(const Axes3& a) { return torch::ExpandingArray<3>({a[0], a[1], a[2]}); }

// conv (bias) -> InstanceNorm (affine, eps 1e-5) -> LeakyReLU(0.01, in place). On CUDA the norm and activation
// run as one fused kernel pair (fused_norm_act.h; PIPE_FUSED_NORM=0 turns it off), and the conv runs without its
// bias, which the norm would remove anyway (the bias stays a parameter; its gradient is exactly zero).
class ConvNormActImpl : public torch::nn::Module {
 public:
  ConvNormActImpl(int64_t in, int64_t out, const Axes3& kernel, const Axes3& stride);
  torch::Tensor forward(const torch::Tensor& x);  // x is (N, in, Z, Y, X)

 private:
  torch::nn::Conv3d conv_{nullptr};
  torch::nn::InstanceNorm3d norm_{nullptr};
  Axes3 padding_{}, stride_{};
  bool unit_stride_ = true;  // stride-1 convs take the fast CPU backward (conv_cpu.h)
};
TORCH_MODULE(ConvNormAct);

// Two ConvNormAct; only the first may carry a stride.
class StackedConvImpl : public torch::nn::Module {
 public:
  StackedConvImpl(int64_t in, int64_t out, const Axes3& kernel, const Axes3& first_stride);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  ConvNormAct first_{nullptr}, second_{nullptr};
};
TORCH_MODULE(StackedConv);

// kaiming_normal_(a=0.01, fan_in) on every Conv3d and ConvTranspose3d weight of `net`, in registration order, and
// zero biases (recipe 7.6, nnU-Net's InitWeights_He); InstanceNorm keeps weight 1, bias 0.
void InitHeWeights(torch::nn::Module& net);

int64_t CountParameters(torch::nn::Module& module);

}  // namespace pipe_core

// UNet++ (nested U-Net) for 3D patches, built from a NetworkPlan: nnU-Net's encoder (strided convs), the dense
// nested decoder X^{i,j} (i+j <= npool) with transposed-conv upsampling, and npool full-resolution 1x1x1 heads on
// X^{0,1..npool}. Recipe section 7. Deliberately no dropout and no upscale-logits (the reference uses neither).
#pragma once

#include <torch/torch.h>

#include <vector>

#include "core/network_plan.h"

namespace pipe_core {

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

class UNetPlusPlusImpl : public torch::nn::Module {
 public:
  explicit UNetPlusPlusImpl(const NetworkPlan& plan);

  // x is (N, in, Z, Y, X) with Z, Y, X divisible by PatchDivisor(plan). Returns the logits of heads
  // X^{0,1} .. X^{0,depth}, each (N, classes, Z, Y, X); depth <= 0 means npool. A smaller depth computes only the
  // nodes i+j <= depth (UNet++ pruning).
  std::vector<torch::Tensor> forward(const torch::Tensor& x, int64_t depth = 0);

  const NetworkPlan& plan() const { return plan_; }
  int64_t num_pools() const { return plan_.num_pools(); }

  // kaiming_normal_(a=0.01) on conv and transposed-conv weights, zero biases (recipe 7.6).
  void InitHe();

 private:
  NetworkPlan plan_;
  std::vector<StackedConv> encoder_;                          // stage d = 0..npool
  std::vector<std::vector<StackedConv>> nodes_;               // nodes_[i][j-1] = X^{i,j}
  std::vector<std::vector<torch::nn::ConvTranspose3d>> ups_;  // ups_[i][j-1] feeds X^{i,j}
  std::vector<torch::nn::Conv3d> heads_;                      // heads_[j-1] on X^{0,j}
};
TORCH_MODULE(UNetPlusPlus);

int64_t CountParameters(torch::nn::Module& module);

}  // namespace pipe_core

// UNet++ (nested U-Net) for 3D patches, built from a NetworkPlan: nnU-Net's encoder (strided convs), the dense
// nested decoder X^{i,j} (i+j <= npool) with transposed-conv upsampling, and npool full-resolution 1x1x1 heads on
// X^{0,1..npool}. Recipe section 7. Deliberately no dropout and no upscale-logits (the reference uses neither).
#pragma once

#include <torch/torch.h>

#include <vector>

#include "core/conv_norm_act.h"
#include "core/network_plan.h"
#include "core/segmentation_network.h"

namespace pipe_core {

class UNetPlusPlusImpl : public SegmentationNetworkImpl {
 public:
  explicit UNetPlusPlusImpl(const NetworkPlan& plan);  // plan.architecture must be "unetpp"

  // x is (N, in, Z, Y, X) with Z, Y, X divisible by PatchDivisor(plan). Returns the logits of heads
  // X^{0,1} .. X^{0,depth}, each (N, classes, Z, Y, X); depth <= 0 means npool. A smaller depth computes only the
  // nodes i+j <= depth (UNet++ pruning).
  std::vector<torch::Tensor> forward(const torch::Tensor& x, int64_t depth = 0) override;
  bool full_resolution_heads() const override { return true; }

 private:
  std::vector<StackedConv> encoder_;                          // stage d = 0..npool
  std::vector<std::vector<StackedConv>> nodes_;               // nodes_[i][j-1] = X^{i,j}
  std::vector<std::vector<torch::nn::ConvTranspose3d>> ups_;  // ups_[i][j-1] feeds X^{i,j}
  std::vector<torch::nn::Conv3d> heads_;                      // heads_[j-1] on X^{0,j}
};
TORCH_MODULE(UNetPlusPlus);

}  // namespace pipe_core

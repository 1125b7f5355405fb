// nnU-Net v1's Generic_UNet for 3D patches, built from the same NetworkPlan as UNet++ (recipe 7.3, 7.7, 8.3), as the
// baseline a study compares UNet++ against: the same encoder (stage d: conv_kernels[d], the first conv strided by
// pool_kernels[d-1], features base*2^d capped at max), and one decoder stage per level i = npool-1 .. 0:
// ConvTranspose3d(features(i+1) -> features(i), kernel = stride = pool_kernels[i], no bias), concatenated
// [upsampled, skip] in that order, then two ConvNormAct (2*features(i) -> features(i) -> features(i)) with
// conv_kernels[i+1] (nnU-Net's one-level offset), and a 1x1x1 head (no bias) on every decoder stage. No dropout,
// convolutional pooling and upsampling, upscale_logits off: the trainer's configuration of nnU-Net v1.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "core/conv_norm_act.h"
#include "core/network_plan.h"
#include "core/segmentation_network.h"

namespace pipe_core {

class GenericUNetImpl : public SegmentationNetworkImpl {
 public:
  explicit GenericUNetImpl(const NetworkPlan& plan);  // plan.architecture must be "unet"

  // x is (N, in, Z, Y, X) with Z, Y, X divisible by PatchDivisor(plan). Returns the decoder's heads coarsest first:
  // head k (1-based) sits on decoder level npool-k, at the input size divided per axis by the product of
  // pool_kernels[0 .. npool-k-1]; the last head is full resolution (nnU-Net's output[0]; nnU-Net's tuple lists them
  // in the opposite order). depth in 1..npool-1 returns heads 1..depth only, skipping the finer decoder levels.
  std::vector<torch::Tensor> forward(const torch::Tensor& x, int64_t depth = 0) override;
  bool full_resolution_heads() const override { return false; }

 private:
  std::vector<StackedConv> encoder_;             // stage d = 0..npool (npool: the bottleneck)
  std::vector<torch::nn::ConvTranspose3d> ups_;  // ups_[i]: level i+1 -> level i
  std::vector<StackedConv> decoder_;             // decoder_[i]: the decoder stage at level i
  std::vector<torch::nn::Conv3d> heads_;         // heads_[i] on decoder_[i]
};
TORCH_MODULE(GenericUNet);

}  // namespace pipe_core

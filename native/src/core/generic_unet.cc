// Generic_UNet construction and forward (see generic_unet.h).
#include "core/generic_unet.h"

#include <stdexcept>
#include <string>

namespace pipe_core {

GenericUNetImpl::GenericUNetImpl(const NetworkPlan& plan) : SegmentationNetworkImpl(plan) {
  if (plan_.architecture != kGenericUNet)
    throw std::invalid_argument("GenericUNet: the plan names architecture " + plan_.architecture + " (MakeNetwork)");
  const int64_t npool = plan_.num_pools();
  for (int64_t d = 0; d <= npool; ++d) {  // the encoder UNet++ has too, under the same names
    const int64_t in = d == 0 ? plan_.in_channels : plan_.features(d - 1);
    const Axes3 stride = d == 0 ? Axes3{1, 1, 1} : plan_.pool_kernels[d - 1];
    encoder_.push_back(
        register_module("enc" + std::to_string(d), StackedConv(in, plan_.features(d), plan_.conv_kernels[d], stride)));
  }
  ups_.resize(npool, nullptr);
  decoder_.resize(npool, nullptr);
  heads_.resize(npool, nullptr);
  for (int64_t i = npool - 1; i >= 0; --i) {  // in forward order: the deepest decoder stage first
    const int64_t c = plan_.features(i);
    const std::string id = std::to_string(i);
    ups_[i] = register_module(
        "up" + id, torch::nn::ConvTranspose3d(
                       torch::nn::ConvTranspose3dOptions(plan_.features(i + 1), c, Expand3(plan_.pool_kernels[i]))
                           .stride(Expand3(plan_.pool_kernels[i]))
                           .bias(false)));
    decoder_[i] = register_module("dec" + id, StackedConv(2 * c, c, plan_.conv_kernels[i + 1], Axes3{1, 1, 1}));
  }
  for (int64_t i = npool - 1; i >= 0; --i)
    heads_[i] = register_module(
        "head" + std::to_string(i),
        torch::nn::Conv3d(torch::nn::Conv3dOptions(plan_.features(i), plan_.num_classes, 1).bias(false)));
  InitHe();
}

std::vector<torch::Tensor> GenericUNetImpl::forward(const torch::Tensor& x, int64_t depth) {
  const int64_t npool = plan_.num_pools();
  if (depth <= 0 || depth > npool) depth = npool;
  std::vector<torch::Tensor> skips;  // encoder stages 0..npool-1
  torch::Tensor y = x;
  for (int64_t d = 0; d < npool; ++d) {
    y = encoder_[d]->forward(y);
    skips.push_back(y);
  }
  y = encoder_[npool]->forward(y);
  std::vector<torch::Tensor> heads;
  for (int64_t k = 1; k <= depth; ++k) {
    const int64_t i = npool - k;
    y = decoder_[i]->forward(torch::cat({ups_[i]->forward(y), skips[i]}, /*dim=*/1));  // nnU-Net: upsampled first
    heads.push_back(heads_[i]->forward(y));
  }
  return heads;
}

}  // namespace pipe_core

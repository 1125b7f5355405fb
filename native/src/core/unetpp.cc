// UNet++ construction and forward (see unetpp.h; recipe section 7).
#include "core/unetpp.h"

#include <stdexcept>
#include <string>

namespace pipe_core {

UNetPlusPlusImpl::UNetPlusPlusImpl(const NetworkPlan& plan) : SegmentationNetworkImpl(plan) {
  if (plan_.architecture != kUNetPlusPlus)
    throw std::invalid_argument("UNetPlusPlus: the plan names architecture " + plan_.architecture + " (MakeNetwork)");
  const int64_t npool = plan_.num_pools();
  for (int64_t d = 0; d <= npool; ++d) {
    const int64_t in = d == 0 ? plan_.in_channels : plan_.features(d - 1);
    const Axes3 stride = d == 0 ? Axes3{1, 1, 1} : plan_.pool_kernels[d - 1];
    encoder_.push_back(
        register_module("enc" + std::to_string(d), StackedConv(in, plan_.features(d), plan_.conv_kernels[d], stride)));
  }
  nodes_.resize(npool);
  ups_.resize(npool);
  for (int64_t i = 0; i < npool; ++i) {
    const int64_t c = plan_.features(i);
    for (int64_t j = 1; i + j <= npool; ++j) {
      const std::string id = std::to_string(i) + "_" + std::to_string(j);
      ups_[i].push_back(register_module(
          "up" + id, torch::nn::ConvTranspose3d(
                         torch::nn::ConvTranspose3dOptions(plan_.features(i + 1), c, Expand3(plan_.pool_kernels[i]))
                             .stride(Expand3(plan_.pool_kernels[i]))
                             .bias(false))));
      // Same one-level kernel offset as nnU-Net's decoder (recipe 7.4).
      nodes_[i].push_back(
          register_module("node" + id, StackedConv(c * (j + 1), c, plan_.conv_kernels[i + 1], Axes3{1, 1, 1})));
    }
  }
  for (int64_t j = 1; j <= npool; ++j)
    heads_.push_back(register_module(
        "head" + std::to_string(j),
        torch::nn::Conv3d(torch::nn::Conv3dOptions(plan_.features(0), plan_.num_classes, 1).bias(false))));
  InitHe();
}

std::vector<torch::Tensor> UNetPlusPlusImpl::forward(const torch::Tensor& x, int64_t depth) {
  // x is (N, in, Z, Y, X); grid[i][j] = X^{i,j}.
  const int64_t npool = plan_.num_pools();
  if (depth <= 0 || depth > npool) depth = npool;
  std::vector<std::vector<torch::Tensor>> grid(depth + 1);
  grid[0].push_back(encoder_[0]->forward(x));
  for (int64_t d = 1; d <= depth; ++d) {
    grid[d].push_back(encoder_[d]->forward(grid[d - 1][0]));
    for (int64_t j = 1; j <= d; ++j) {  // the column's nodes, deepest first: X^{d-1,1}, ..., X^{0,d}
      const int64_t i = d - j;
      std::vector<torch::Tensor> parts(grid[i].begin(), grid[i].begin() + j);
      parts.push_back(ups_[i][j - 1]->forward(grid[i + 1][j - 1]));
      grid[i].push_back(nodes_[i][j - 1]->forward(torch::cat(parts, /*dim=*/1)));
    }
  }
  std::vector<torch::Tensor> heads;
  for (int64_t j = 1; j <= depth; ++j) heads.push_back(heads_[j - 1]->forward(grid[0][j]));
  return heads;
}

}  // namespace pipe_core

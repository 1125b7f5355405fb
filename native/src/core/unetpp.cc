// UNet++ construction and forward (see unetpp.h; recipe section 7).
#include "core/unetpp.h"

#include <string>

#include "core/conv_cpu.h"
#include "core/fused_norm_act.h"

namespace pipe_core {

namespace {

constexpr double kLeakySlope = 1e-2;  // LeakyReLU negative slope, also the He-init `a`
constexpr double kNormEps = 1e-5;     // InstanceNorm eps

torch::ExpandingArray<3> Arr(const Axes3& a) { return torch::ExpandingArray<3>({a[0], a[1], a[2]}); }
Axes3 SamePadding(const Axes3& k) { return {(k[0] - 1) / 2, (k[1] - 1) / 2, (k[2] - 1) / 2}; }

}  // namespace

ConvNormActImpl::ConvNormActImpl(int64_t in, int64_t out, const Axes3& kernel, const Axes3& stride)
    : padding_(SamePadding(kernel)), stride_(stride), unit_stride_(stride == Axes3{1, 1, 1}) {
  conv_ = register_module("conv", torch::nn::Conv3d(torch::nn::Conv3dOptions(in, out, Arr(kernel))
                                                        .stride(Arr(stride))
                                                        .padding(Arr(SamePadding(kernel)))
                                                        .bias(true)));
  norm_ = register_module("norm",
                          torch::nn::InstanceNorm3d(torch::nn::InstanceNorm3dOptions(out).eps(kNormEps).affine(true)));
}

torch::Tensor ConvNormActImpl::forward(const torch::Tensor& x) {
  if (UseFusedNormAct(x)) {
    // The instance norm removes any per-channel constant, so the conv bias cannot change the result: the conv skips
    // its add (a pass over the output) and its gradient (a reduction over the output gradient), and the fused
    // function hands the bias an exact zero gradient (weight decay and momentum still see it, as in the reference).
    const torch::Tensor c = torch::conv3d(x, conv_->weight, /*bias=*/{}, Arr(stride_), Arr(padding_));
    return FusedNormAct(c, norm_->weight, norm_->bias, kNormEps, kLeakySlope, conv_->bias);
  }
  const torch::Tensor c =
      unit_stride_ && UseConv3dSameCpu(x) ? Conv3dSameCpu(x, conv_->weight, conv_->bias, padding_) : conv_->forward(x);
  torch::Tensor y = norm_->forward(c);
  return torch::leaky_relu_(y, kLeakySlope);
}

StackedConvImpl::StackedConvImpl(int64_t in, int64_t out, const Axes3& kernel, const Axes3& first_stride) {
  first_ = register_module("0", ConvNormAct(in, out, kernel, first_stride));
  second_ = register_module("1", ConvNormAct(out, out, kernel, Axes3{1, 1, 1}));
}

torch::Tensor StackedConvImpl::forward(const torch::Tensor& x) { return second_->forward(first_->forward(x)); }

UNetPlusPlusImpl::UNetPlusPlusImpl(const NetworkPlan& plan) : plan_(plan) {
  ValidatePlan(plan_);
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
                         torch::nn::ConvTranspose3dOptions(plan_.features(i + 1), c, Arr(plan_.pool_kernels[i]))
                             .stride(Arr(plan_.pool_kernels[i]))
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

void UNetPlusPlusImpl::InitHe() {
  torch::NoGradGuard no_grad;
  for (auto& m : modules(/*include_self=*/false)) {
    auto init = [](torch::Tensor& w, torch::Tensor& b) {
      torch::nn::init::kaiming_normal_(w, kLeakySlope, torch::kFanIn, torch::kLeakyReLU);
      if (b.defined()) b.zero_();
    };
    if (auto* conv = m->as<torch::nn::Conv3d>())
      init(conv->weight, conv->bias);
    else if (auto* up = m->as<torch::nn::ConvTranspose3d>())
      init(up->weight, up->bias);
  }
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

int64_t CountParameters(torch::nn::Module& module) {
  int64_t n = 0;
  for (const auto& p : module.parameters()) n += p.numel();
  return n;
}

}  // namespace pipe_core

// The shared conv block and initialisation (see conv_norm_act.h).
#include "core/conv_norm_act.h"

#include "core/conv_cpu.h"
#include "core/fused_norm_act.h"

namespace pipe_core {

namespace {

Axes3 SamePadding(const Axes3& k) { return {(k[0] - 1) / 2, (k[1] - 1) / 2, (k[2] - 1) / 2}; }

}  // namespace

ConvNormActImpl::ConvNormActImpl(int64_t in, int64_t out, const Axes3& kernel, const Axes3& stride)
    : padding_(SamePadding(kernel)), stride_(stride), unit_stride_(stride == Axes3{1, 1, 1}) {
  conv_ = register_module("conv", torch::nn::Conv3d(torch::nn::Conv3dOptions(in, out, Expand3(kernel))
                                                        .stride(Expand3(stride))
                                                        .padding(Expand3(SamePadding(kernel)))
                                                        .bias(true)));
  norm_ = register_module("norm",
                          torch::nn::InstanceNorm3d(torch::nn::InstanceNorm3dOptions(out).eps(kNormEps).affine(true)));
}

torch::Tensor ConvNormActImpl::forward(const torch::Tensor& x) {
  if (UseFusedNormAct(x)) {
    // The instance norm removes any per-channel constant, so the conv bias cannot change the result: the conv skips
    // its add (a pass over the output) and its gradient (a reduction over the output gradient), and the fused
    // function hands the bias an exact zero gradient (weight decay and momentum still see it, as in the reference).
    const torch::Tensor c = torch::conv3d(x, conv_->weight, /*bias=*/{}, Expand3(stride_), Expand3(padding_));
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

void InitHeWeights(torch::nn::Module& net) {
  torch::NoGradGuard no_grad;
  for (auto& m : net.modules(/*include_self=*/false)) {
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

int64_t CountParameters(torch::nn::Module& module) {
  int64_t n = 0;
  for (const auto& p : module.parameters()) n += p.numel();
  return n;
}

}  // namespace pipe_core

// Conv3d with the weight gradient computed as a forward convolution (see conv_cpu.h).
#include "core/conv_cpu.h"

#include <ATen/Context.h>

namespace pipe_core {

namespace {

// A stride-1 forward convolution through oneDNN (MKL-DNN) where this LibTorch has it. LibTorch's own dispatch sends
// a batch of one with few channels (N*C*Z*Y <= 20480) to its im2col path, slow_conv3d, whose column buffer for a
// full-resolution layer of the demo is 40-57 MB: above glibc's mmap threshold, so it is mapped, page-faulted and
// unmapped again at every call. DDP ranks with a per-rank batch of 1 spent a third of their time in the kernel.
torch::Tensor ForwardConv(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                          const std::vector<int64_t>& padding) {
  const c10::optional<torch::Tensor> b = bias.defined() ? c10::optional<torch::Tensor>(bias) : c10::nullopt;
  if (at::hasMKLDNN())
    return at::mkldnn_convolution(x.contiguous(), weight.contiguous(), b, padding, /*stride=*/{1, 1, 1},
                                  /*dilation=*/{1, 1, 1}, /*groups=*/1);
  return torch::conv3d(x, weight, bias, /*stride=*/1, padding);
}

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

struct Conv3dSameFn : public torch::autograd::Function<Conv3dSameFn> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& weight,
                               const torch::Tensor& bias, std::vector<int64_t> padding) {
    ctx->save_for_backward({x, weight});
    ctx->saved_data["padding"] = padding;
    ctx->saved_data["has_bias"] = bias.defined();
    return ForwardConv(x, weight, bias, padding);
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor& x = saved[0];
    const torch::Tensor& weight = saved[1];
    const torch::Tensor g = grads[0].contiguous();  // (N, Co, Z, Y, X)
    const std::vector<int64_t> padding = ctx->saved_data["padding"].toIntVector();
    torch::Tensor grad_x, grad_w, grad_b;
    if (ctx->needs_input_grad(0)) {
      // A "same" stride-1 convolution's input gradient is the same convolution of g with the kernel flipped in
      // space and its channel axes swapped, (Ci, Co, kz, ky, kx): a forward convolution, so oneDNN at any batch
      // (as fast as LibTorch's backward at batch 2, interleaved A/B; twice as fast at batch 1).
      grad_x = ForwardConv(g, weight.flip({2, 3, 4}).transpose(0, 1), torch::Tensor(), padding);
    }
    if (ctx->needs_input_grad(1)) {
      // x_pad^T is (Ci, N, Z+2pz, ...), g^T is (Co, N, Z, ...): their valid convolution is (Ci, Co, kz, ky, kx).
      const torch::Tensor xp =
          torch::constant_pad_nd(x, {padding[2], padding[2], padding[1], padding[1], padding[0], padding[0]}, 0);
      grad_w =
          ForwardConv(xp.transpose(0, 1), g.transpose(0, 1), torch::Tensor(), {0, 0, 0}).transpose(0, 1).contiguous();
    }
    if (ctx->saved_data["has_bias"].toBool() && ctx->needs_input_grad(2)) grad_b = g.sum({0, 2, 3, 4});
    return {grad_x, grad_w, grad_b, torch::Tensor()};
  }
};

}  // namespace

bool UseConv3dSameCpu(const torch::Tensor& x) {
  return x.device().is_cpu() && x.scalar_type() == torch::kFloat && torch::GradMode::is_enabled();
}

torch::Tensor Conv3dSameCpu(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                            const Axes3& padding) {
  return Conv3dSameFn::apply(x, weight, bias, std::vector<int64_t>(padding.begin(), padding.end()));
}

}  // namespace pipe_core

// Conv3d with the weight gradient computed as a forward convolution (see conv_cpu.h).
#include "core/conv_cpu.h"

namespace pipe_core {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

struct Conv3dSameFn : public torch::autograd::Function<Conv3dSameFn> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& weight,
                               const torch::Tensor& bias, std::vector<int64_t> padding) {
    ctx->save_for_backward({x, weight});
    ctx->saved_data["padding"] = padding;
    ctx->saved_data["has_bias"] = bias.defined();
    return torch::conv3d(x, weight, bias, /*stride=*/1, padding);
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor& x = saved[0];
    const torch::Tensor& weight = saved[1];
    const torch::Tensor g = grads[0].contiguous();  // (N, Co, Z, Y, X)
    const std::vector<int64_t> padding = ctx->saved_data["padding"].toIntVector();
    torch::Tensor grad_x, grad_w, grad_b;
    if (ctx->needs_input_grad(0)) {
      grad_x = std::get<0>(at::convolution_backward(g, x, weight, c10::nullopt, /*stride=*/{1, 1, 1}, padding,
                                                    /*dilation=*/{1, 1, 1}, /*transposed=*/false,
                                                    /*output_padding=*/{0, 0, 0}, /*groups=*/1, {true, false, false}));
    }
    if (ctx->needs_input_grad(1)) {
      // x_pad^T is (Ci, N, Z+2pz, ...), g^T is (Co, N, Z, ...): their valid convolution is (Ci, Co, kz, ky, kx).
      const torch::Tensor xp = torch::constant_pad_nd(
          x, {padding[2], padding[2], padding[1], padding[1], padding[0], padding[0]}, 0);
      grad_w = torch::conv3d(xp.transpose(0, 1), g.transpose(0, 1)).transpose(0, 1).contiguous();
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

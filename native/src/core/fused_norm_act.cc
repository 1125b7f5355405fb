// The fused InstanceNorm + LeakyReLU autograd functions (see fused_norm_act.h). They are the same on every device;
// only the launch differs: the CUDA kernels (compiled only with PIPE_FUSED_NORM_CUDA=1, which CMake sets on this file
// when it compiles the .cu kernels) or, for fp32 CPU tensors, the CPU reference of the same math (fused_norm_cpu.h),
// through which the CPU tests drive this wiring.
#include "core/fused_norm_act.h"

#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include "core/fused_norm_cpu.h"
#include "core/fused_norm_shape.h"
#include "core/kernel_launch.h"
#if PIPE_FUSED_NORM_CUDA
#include "core/fused_norm_cuda.h"
#endif

namespace pipe_core {

namespace {

const char* Switch() {
  const char* v = std::getenv("PIPE_FUSED_NORM");
  return v ? v : "";
}

}  // namespace

bool FusedNormActCompiled() { return PIPE_FUSED_NORM_CUDA != 0; }

bool FusedNormActEnabled() { return std::strcmp(Switch(), "0") != 0; }

bool UseFusedNormAct(const torch::Tensor& x) {
  if (x.dim() != 5 || !FusedNormActEnabled()) return false;
  if (!x.is_cuda()) return std::strcmp(Switch(), "reference") == 0 && x.scalar_type() == torch::kFloat32;
  if (!FusedNormActCompiled()) return false;
  const auto t = x.scalar_type();
  return t == torch::kFloat32 || t == torch::kFloat16 || t == torch::kBFloat16;
}

namespace {

using fused_norm::NormActParams;
using fused_norm::NormActShape;
using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

NormActShape ShapeOf(const torch::Tensor& x) {
  return NormActShape{x.size(0), x.size(1), x.size(2) * x.size(3) * x.size(4)};
}

#if PIPE_FUSED_NORM_CUDA

torch::Tensor Workspace(const torch::Tensor& x, const NormActShape& shape) {
  const auto floats = static_cast<int64_t>((fused_norm::WorkspaceBytes(shape) + sizeof(float) - 1) / sizeof(float));
  return torch::empty({floats}, x.options().dtype(torch::kFloat32));
}

#endif

// out, mean, invstd from xc (channels-last) on xc's device.
void LaunchForward(const torch::Tensor& xc, const torch::Tensor& g, const torch::Tensor& b, torch::Tensor& out,
                   torch::Tensor& mean, torch::Tensor& invstd, const NormActParams& params) {
  const NormActShape shape = ShapeOf(xc);
  if (!xc.is_cuda()) {
    CheckReferenceDtype(xc, "fused norm");
    fused_norm::NormActForwardCpu(xc.data_ptr<float>(), g.data_ptr<float>(), b.data_ptr<float>(), out.data_ptr<float>(),
                                  mean.data_ptr<float>(), invstd.data_ptr<float>(), shape, params,
                                  fused_norm::kKernelSplit);
    return;
  }
#if PIPE_FUSED_NORM_CUDA
  torch::Tensor workspace = Workspace(xc, shape);
  LaunchOn(xc, "fused norm", "forward", [&](ElementType type, cudaStream_t stream) {
    return fused_norm::NormActForwardCuda(type, xc.data_ptr(), g.data_ptr<float>(), b.data_ptr<float>(), out.data_ptr(),
                                          mean.data_ptr<float>(), invstd.data_ptr<float>(), workspace.data_ptr(), shape,
                                          params, stream);
  });
#else
  ThrowNoKernels("fused norm");
#endif
}

// dx, dgamma, dbeta from dout and the saved forward, on xc's device.
void LaunchBackward(const torch::Tensor& dout, const torch::Tensor& xc, const torch::Tensor& g, const torch::Tensor& b,
                    const torch::Tensor& mean, const torch::Tensor& invstd, torch::Tensor& dx, torch::Tensor& dgamma,
                    torch::Tensor& dbeta, const NormActParams& params) {
  const NormActShape shape = ShapeOf(xc);
  if (!xc.is_cuda()) {
    CheckReferenceDtype(xc, "fused norm");
    fused_norm::NormActBackwardCpu(dout.data_ptr<float>(), xc.data_ptr<float>(), g.data_ptr<float>(),
                                   b.data_ptr<float>(), mean.data_ptr<float>(), invstd.data_ptr<float>(),
                                   dx.data_ptr<float>(), dgamma.data_ptr<float>(), dbeta.data_ptr<float>(), shape,
                                   params, fused_norm::kKernelSplit);
    return;
  }
#if PIPE_FUSED_NORM_CUDA
  torch::Tensor workspace = Workspace(xc, shape);
  LaunchOn(xc, "fused norm", "backward", [&](ElementType type, cudaStream_t stream) {
    return fused_norm::NormActBackwardCuda(type, dout.data_ptr(), xc.data_ptr(), g.data_ptr<float>(),
                                           b.data_ptr<float>(), mean.data_ptr<float>(), invstd.data_ptr<float>(),
                                           dx.data_ptr(), dgamma.data_ptr<float>(), dbeta.data_ptr<float>(),
                                           workspace.data_ptr(), shape, params, stream);
  });
#else
  ThrowNoKernels("fused norm");
#endif
}

// The shared forward: runs the kernels, saves what backward needs, returns the result in x's memory format.
torch::Tensor NormForward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& gamma,
                          const torch::Tensor& beta, double eps, double slope) {
  const auto format = x.suggest_memory_format();
  const torch::Tensor xc = x.contiguous(at::MemoryFormat::ChannelsLast3d);
  const torch::Tensor g = gamma.to(torch::kFloat32).contiguous(), b = beta.to(torch::kFloat32).contiguous();
  const NormActShape shape = ShapeOf(xc);
  const auto stats = xc.options().dtype(torch::kFloat32);
  torch::Tensor out = torch::empty_like(xc, xc.options(), at::MemoryFormat::ChannelsLast3d);
  torch::Tensor mean = torch::empty({shape.n * shape.c}, stats), invstd = torch::empty({shape.n * shape.c}, stats);
  LaunchForward(xc, g, b, out, mean, invstd, NormActParams{static_cast<float>(eps), static_cast<float>(slope)});
  ctx->save_for_backward({xc, g, b, mean, invstd});
  ctx->saved_data["eps"] = eps;
  ctx->saved_data["slope"] = slope;
  ctx->saved_data["gamma_type"] = static_cast<int64_t>(gamma.scalar_type());
  ctx->saved_data["format"] = static_cast<int64_t>(format);
  return out.contiguous(format);
}

// The shared backward: {dx, dgamma, dbeta}.
tensor_list NormBackward(AutogradContext* ctx, const tensor_list& grads) {
  const auto saved = ctx->get_saved_variables();
  const torch::Tensor &xc = saved[0], &g = saved[1], &b = saved[2], &mean = saved[3], &invstd = saved[4];
  const auto format = static_cast<at::MemoryFormat>(ctx->saved_data["format"].toInt());
  const torch::Tensor dout = grads[0].to(xc.scalar_type()).contiguous(at::MemoryFormat::ChannelsLast3d);
  torch::Tensor dx = torch::empty_like(xc, xc.options(), at::MemoryFormat::ChannelsLast3d);
  torch::Tensor dgamma = torch::empty_like(g), dbeta = torch::empty_like(b);
  const NormActParams params{static_cast<float>(ctx->saved_data["eps"].toDouble()),
                             static_cast<float>(ctx->saved_data["slope"].toDouble())};  // the forward's eps and slope
  LaunchBackward(dout, xc, g, b, mean, invstd, dx, dgamma, dbeta, params);
  const auto gamma_type = static_cast<c10::ScalarType>(ctx->saved_data["gamma_type"].toInt());
  return {dx.contiguous(format), dgamma.to(gamma_type), dbeta.to(gamma_type)};
}

class FusedNormActFunction : public torch::autograd::Function<FusedNormActFunction> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& gamma,
                               const torch::Tensor& beta, double eps, double slope) {
    return NormForward(ctx, x, gamma, beta, eps, slope);
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    tensor_list d = NormBackward(ctx, grads);
    return {d[0], d[1], d[2], torch::Tensor(), torch::Tensor()};
  }
};

// The same with the conv bias as an input that the norm removes: its gradient is exactly zero. (A separate function
// rather than an optional input: LibTorch 1.13's autograd Function cannot take an undefined tensor.)
class FusedBiasNormActFunction : public torch::autograd::Function<FusedBiasNormActFunction> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& gamma,
                               const torch::Tensor& beta, const torch::Tensor& absorbed_bias, double eps,
                               double slope) {
    ctx->saved_data["bias_type"] = static_cast<int64_t>(absorbed_bias.scalar_type());
    ctx->saved_data["bias_size"] = absorbed_bias.numel();
    return NormForward(ctx, x, gamma, beta, eps, slope);
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    tensor_list d = NormBackward(ctx, grads);
    const auto type = static_cast<c10::ScalarType>(ctx->saved_data["bias_type"].toInt());
    torch::Tensor dbias = torch::zeros({ctx->saved_data["bias_size"].toInt()}, d[1].options().dtype(type));
    return {d[0], d[1], d[2], dbias, torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor FusedNormAct(const torch::Tensor& x, const torch::Tensor& gamma, const torch::Tensor& beta, double eps,
                           double slope, const torch::Tensor& absorbed_bias) {
  if (absorbed_bias.defined()) return FusedBiasNormActFunction::apply(x, gamma, beta, absorbed_bias, eps, slope);
  return FusedNormActFunction::apply(x, gamma, beta, eps, slope);
}

}  // namespace pipe_core

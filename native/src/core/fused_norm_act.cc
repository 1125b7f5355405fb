// The fused InstanceNorm + LeakyReLU autograd function (see fused_norm_act.h). The CUDA part is compiled only with
// PIPE_FUSED_NORM_CUDA=1 (set by CMake on this file when it compiles the .cu kernels).
#include "core/fused_norm_act.h"

#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#ifndef PIPE_FUSED_NORM_CUDA
#define PIPE_FUSED_NORM_CUDA 0
#endif

#if PIPE_FUSED_NORM_CUDA
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include "core/fused_norm_cuda.h"
#endif

namespace pipe_core {

bool FusedNormActCompiled() { return PIPE_FUSED_NORM_CUDA != 0; }

bool FusedNormActEnabled() {
  const char* v = std::getenv("PIPE_FUSED_NORM");
  return v == nullptr || std::strcmp(v, "0") != 0;
}

bool UseFusedNormAct(const torch::Tensor& x) {
  if (!FusedNormActCompiled() || !x.is_cuda() || x.dim() != 5 || !FusedNormActEnabled()) return false;
  const auto t = x.scalar_type();
  return t == torch::kFloat32 || t == torch::kFloat16 || t == torch::kBFloat16;
}

#if PIPE_FUSED_NORM_CUDA

namespace {

using fused_norm::ElementType;
using fused_norm::NormActParams;
using fused_norm::NormActShape;
using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

ElementType TypeOf(const torch::Tensor& t) {
  switch (t.scalar_type()) {
    case torch::kFloat32:
      return ElementType::kFloat32;
    case torch::kFloat16:
      return ElementType::kFloat16;
    case torch::kBFloat16:
      return ElementType::kBFloat16;
    default:
      throw std::invalid_argument(std::string("fused norm: unsupported dtype ") + c10::toString(t.scalar_type()));
  }
}

void Check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw std::runtime_error(std::string("fused norm ") + what + ": " + cudaGetErrorString(e));
}

NormActShape ShapeOf(const torch::Tensor& x) {
  return NormActShape{x.size(0), x.size(1), x.size(2) * x.size(3) * x.size(4)};
}

torch::Tensor Workspace(const torch::Tensor& x, const NormActShape& shape) {
  const auto floats = static_cast<int64_t>((fused_norm::WorkspaceBytes(shape) + sizeof(float) - 1) / sizeof(float));
  return torch::empty({floats}, x.options().dtype(torch::kFloat32));
}

class FusedNormActFunction : public torch::autograd::Function<FusedNormActFunction> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& gamma,
                               const torch::Tensor& beta, double eps, double slope) {
    const c10::cuda::CUDAGuard guard(x.device());
    const auto format = x.suggest_memory_format();
    const torch::Tensor xc = x.contiguous(at::MemoryFormat::ChannelsLast3d);
    const torch::Tensor g = gamma.to(torch::kFloat32).contiguous(), b = beta.to(torch::kFloat32).contiguous();
    const NormActShape shape = ShapeOf(xc);
    const auto stats = xc.options().dtype(torch::kFloat32);
    torch::Tensor out = torch::empty_like(xc, xc.options(), at::MemoryFormat::ChannelsLast3d);
    torch::Tensor mean = torch::empty({shape.n * shape.c}, stats), invstd = torch::empty({shape.n * shape.c}, stats);
    torch::Tensor workspace = Workspace(xc, shape);
    const NormActParams params{static_cast<float>(eps), static_cast<float>(slope)};
    Check(
        fused_norm::NormActForwardCuda(TypeOf(xc), xc.data_ptr(), g.data_ptr<float>(), b.data_ptr<float>(),
                                       out.data_ptr(), mean.data_ptr<float>(), invstd.data_ptr<float>(),
                                       workspace.data_ptr(), shape, params, c10::cuda::getCurrentCUDAStream().stream()),
        "forward");
    ctx->save_for_backward({xc, g, b, mean, invstd});
    ctx->saved_data["eps"] = eps;
    ctx->saved_data["slope"] = slope;
    ctx->saved_data["gamma_type"] = static_cast<int64_t>(gamma.scalar_type());
    ctx->saved_data["format"] = static_cast<int64_t>(format);
    return out.contiguous(format);
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor &xc = saved[0], &g = saved[1], &b = saved[2], &mean = saved[3], &invstd = saved[4];
    const c10::cuda::CUDAGuard guard(xc.device());
    const auto format = static_cast<at::MemoryFormat>(ctx->saved_data["format"].toInt());
    const torch::Tensor dout = grads[0].to(xc.scalar_type()).contiguous(at::MemoryFormat::ChannelsLast3d);
    const NormActShape shape = ShapeOf(xc);
    torch::Tensor dx = torch::empty_like(xc, xc.options(), at::MemoryFormat::ChannelsLast3d);
    torch::Tensor dgamma = torch::empty_like(g), dbeta = torch::empty_like(b);
    torch::Tensor workspace = Workspace(xc, shape);
    const NormActParams params{static_cast<float>(ctx->saved_data["eps"].toDouble()),
                               static_cast<float>(ctx->saved_data["slope"].toDouble())};
    Check(fused_norm::NormActBackwardCuda(
              TypeOf(xc), dout.data_ptr(), xc.data_ptr(), g.data_ptr<float>(), b.data_ptr<float>(),
              mean.data_ptr<float>(), invstd.data_ptr<float>(), dx.data_ptr(), dgamma.data_ptr<float>(),
              dbeta.data_ptr<float>(), workspace.data_ptr(), shape, params, c10::cuda::getCurrentCUDAStream().stream()),
          "backward");
    const auto gamma_type = static_cast<c10::ScalarType>(ctx->saved_data["gamma_type"].toInt());
    return {dx.contiguous(format), dgamma.to(gamma_type), dbeta.to(gamma_type), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor FusedNormAct(const torch::Tensor& x, const torch::Tensor& gamma, const torch::Tensor& beta, double eps,
                           double slope) {
  return FusedNormActFunction::apply(x, gamma, beta, eps, slope);
}

#else

torch::Tensor FusedNormAct(const torch::Tensor&, const torch::Tensor&, const torch::Tensor&, double, double) {
  throw std::logic_error("fused norm: this build has no CUDA kernels (CMake found no CUDA compiler)");
}

#endif

}  // namespace pipe_core

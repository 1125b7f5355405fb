// The fused loss statistics as an autograd function (see fused_loss.h): CUDA kernels for CUDA tensors (compiled only
// with PIPE_FUSED_NORM_CUDA=1, set by CMake on this file when it compiles the .cu kernels), the CPU reference for
// fp32 CPU tensors.
#include "core/fused_loss.h"

#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include "core/fused_loss_cpu.h"
#include "core/kernel_launch.h"
#if PIPE_FUSED_NORM_CUDA
#include "core/fused_loss_cuda.h"
#endif

namespace pipe_core {

namespace {

using fused_loss::LossShape;
using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

const char* Switch() {
  const char* v = std::getenv("PIPE_FUSED_LOSS");
  return v ? v : "";
}

// The logits as a dense NCDHW or NDHWC tensor (a copy otherwise) and their (n, class, voxel) strides.
torch::Tensor Dense(const torch::Tensor& logits) {
  if (logits.is_contiguous() || logits.is_contiguous(at::MemoryFormat::ChannelsLast3d)) return logits;
  return logits.contiguous();
}

LossShape ShapeOf(const torch::Tensor& z) {
  return LossShape{z.size(0), z.size(1), z.size(2) * z.size(3) * z.size(4), z.stride(0), z.stride(1), z.stride(4)};
}

class SoftmaxStatsFunction : public torch::autograd::Function<SoftmaxStatsFunction> {
 public:
  static tensor_list forward(AutogradContext* ctx, const torch::Tensor& logits_in, const torch::Tensor& target_in) {
    const torch::Tensor z = Dense(logits_in), t = target_in.to(torch::kLong).contiguous();
    const LossShape shape = ShapeOf(z);
    const auto f32 = z.options().dtype(torch::kFloat32);
    torch::Tensor stats = torch::empty({shape.n, shape.k, 3}, f32), ce_sum = torch::empty({}, f32);
    if (!z.is_cuda()) {
      CheckReferenceDtype(z, "fused loss");
      fused_loss::StatsForwardCpu(z.data_ptr<float>(), t.data_ptr<int64_t>(), stats.data_ptr<float>(),
                                  ce_sum.data_ptr<float>(), shape);
    } else {
#if PIPE_FUSED_NORM_CUDA
      const auto bytes = static_cast<int64_t>(fused_loss::StatsWorkspaceBytes(shape));
      torch::Tensor workspace = torch::empty({(bytes + 3) / 4}, f32);
      LaunchOn(z, "fused loss", "forward", [&](ElementType type, cudaStream_t stream) {
        return fused_loss::StatsForwardCuda(type, z.data_ptr(), t.data_ptr<int64_t>(), stats.data_ptr<float>(),
                                            ce_sum.data_ptr<float>(), workspace.data_ptr(), shape, stream);
      });
#else
      ThrowNoKernels("fused loss");
#endif
    }
    ctx->save_for_backward({z, t});
    return {stats, ce_sum};
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor &z = saved[0], &t = saved[1];
    const LossShape shape = ShapeOf(z);
    const auto f32 = z.options().dtype(torch::kFloat32);
    // An output nobody used arrives undefined: its gradient is zero.
    const torch::Tensor g_stats =
        grads[0].defined() ? grads[0].to(torch::kFloat32).contiguous() : torch::zeros({shape.n, shape.k, 3}, f32);
    const torch::Tensor g_ce = grads[1].defined() ? grads[1].to(torch::kFloat32).reshape({1}) : torch::zeros({1}, f32);
    torch::Tensor dz = torch::empty_like(z);  // same strides as z (dense)
    if (!z.is_cuda()) {
      fused_loss::StatsBackwardCpu(z.data_ptr<float>(), t.data_ptr<int64_t>(), g_stats.data_ptr<float>(),
                                   g_ce.data_ptr<float>(), dz.data_ptr<float>(), shape);
    } else {
#if PIPE_FUSED_NORM_CUDA
      LaunchOn(z, "fused loss", "backward", [&](ElementType type, cudaStream_t stream) {
        return fused_loss::StatsBackwardCuda(type, z.data_ptr(), t.data_ptr<int64_t>(), g_stats.data_ptr<float>(),
                                             g_ce.data_ptr<float>(), dz.data_ptr(), shape, stream);
      });
#else
      ThrowNoKernels("fused loss");
#endif
    }
    return {dz, torch::Tensor()};
  }
};

}  // namespace

bool UseFusedLoss(const torch::Tensor& logits) {
  if (logits.dim() != 5 || logits.size(1) < 1 || logits.size(1) > fused_loss::kMaxClasses) return false;
  if (std::strcmp(Switch(), "0") == 0) return false;
  if (!logits.is_cuda()) return std::strcmp(Switch(), "reference") == 0 && logits.scalar_type() == torch::kFloat32;
  if (!PIPE_FUSED_NORM_CUDA) return false;
  const auto t = logits.scalar_type();
  return t == torch::kFloat32 || t == torch::kFloat16 || t == torch::kBFloat16;
}

SoftmaxStats FusedSoftmaxStats(const torch::Tensor& logits, const torch::Tensor& target) {
  const tensor_list out = SoftmaxStatsFunction::apply(logits, target);
  return SoftmaxStats{out[0], out[1]};
}

}  // namespace pipe_core

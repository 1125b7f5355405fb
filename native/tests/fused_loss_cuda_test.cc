// The fused loss kernels (core/fused_loss_cuda.cu) on the device: DiceCeLoss's value and the logits' gradient through
// them against the same loss through LibTorch's ops on the same card (PIPE_FUSED_LOSS=0), fp32 / fp16 / bf16,
// NCDHW and channels-last, odd sizes (a partial last block) and the Task03 head size (2 x 3 x 128^3), batch Dice and
// not. Built only where CMake compiled the kernels; native/scripts/gpu-check.sh runs it before any timing.
#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "check.h"
#include "core/fused_loss.h"
#include "core/loss.h"

namespace {

double MaxRel(const torch::Tensor& a, const torch::Tensor& b) {
  const double scale = std::max(b.abs().max().item<double>(), 1e-30);
  return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>() / scale;
}

struct Case {
  int64_t n, k, d, h, w;
};

// Worst relative difference (loss, gradient) between the kernels and LibTorch for one case.
double Compare(const Case& c, torch::ScalarType dtype, bool channels_last, bool batch_dice) {
  const auto cuda = torch::TensorOptions().device(torch::kCUDA);
  torch::manual_seed(c.n * 1000 + c.k * 100 + c.d);
  torch::Tensor z0 = (torch::randn({c.n, c.k, c.d, c.h, c.w}, cuda) * 3).to(dtype);
  if (channels_last) z0 = z0.contiguous(at::MemoryFormat::ChannelsLast3d);
  const torch::Tensor t = torch::randint(0, c.k, {c.n, c.d, c.h, c.w}, cuda.dtype(torch::kLong));
  pipe_core::LossOptions o;
  o.batch_dice = batch_dice;
  auto run = [&](bool fused) {
    setenv("PIPE_FUSED_LOSS", fused ? "1" : "0", 1);
    CHECK(pipe_core::UseFusedLoss(z0) == fused);
    torch::Tensor z = z0.clone().set_requires_grad(true);
    const torch::Tensor loss = pipe_core::DiceCeLoss(z, t, o);
    loss.backward();
    unsetenv("PIPE_FUSED_LOSS");
    return std::vector<torch::Tensor>{loss.detach(), z.grad()};
  };
  const auto fused = run(true), plain = run(false);
  CHECK(fused[1].scalar_type() == dtype);
  const double r = std::max(MaxRel(fused[0], plain[0]), MaxRel(fused[1], plain[1]));
  std::printf("  N=%lld K=%lld %lldx%lldx%lld %s %s %s: %.2e\n", static_cast<long long>(c.n),
              static_cast<long long>(c.k), static_cast<long long>(c.d), static_cast<long long>(c.h),
              static_cast<long long>(c.w), c10::toString(dtype), channels_last ? "NDHWC" : "NCDHW",
              batch_dice ? "batch-dice" : "per-sample", r);
  return r;
}

void RunAll(torch::ScalarType dtype, double tolerance) {
  if (!torch::cuda::is_available()) return;
  const std::vector<Case> cases = {{1, 2, 3, 5, 7}, {2, 3, 17, 19, 23}, {3, 8, 9, 9, 9}, {2, 3, 128, 128, 128}};
  double worst = 0;
  for (const auto& c : cases)
    for (const bool channels_last : {false, true})
      for (const bool batch_dice : {true, false}) worst = std::max(worst, Compare(c, dtype, channels_last, batch_dice));
  std::printf("  worst %.2e (tolerance %.0e)\n", worst, tolerance);
  CHECK(worst < tolerance);
}

}  // namespace

TEST("a CUDA device is present") { CHECK(torch::cuda::is_available()); }
TEST("fused loss kernels match LibTorch's loss, fp32") { RunAll(torch::kFloat32, 1e-4); }
// fp16/bf16: the gradient is stored in the logits' dtype (LibTorch's in fp32, cast on the way back).
TEST("fused loss kernels match LibTorch's loss, fp16") { RunAll(torch::kFloat16, 2e-3); }
TEST("fused loss kernels match LibTorch's loss, bf16") { RunAll(torch::kBFloat16, 1.6e-2); }

RUN_TESTS()

// The fused loss statistics (core/fused_loss*.{h,cc}, the math the CUDA kernels run) against LibTorch's loss on the
// CPU, through the CPU reference (PIPE_FUSED_LOSS=reference): the sums and CE, then DiceCeLoss's value and the
// logits' gradient with and without batch Dice, NCDHW and channels-last, 2 and 3 classes, and with a DDP-style count
// reduction; which tensors take the path.
#include "core/fused_loss.h"

#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "check.h"
#include "core/loss.h"

namespace {

struct ReferenceSwitch {
  ReferenceSwitch() { setenv("PIPE_FUSED_LOSS", "reference", 1); }
  ~ReferenceSwitch() { unsetenv("PIPE_FUSED_LOSS"); }
};

double MaxRel(const torch::Tensor& a, const torch::Tensor& b) {
  const double scale = std::max(b.abs().max().item<double>(), 1e-30);
  return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>() / scale;
}

torch::Tensor Logits(int64_t n, int64_t k, bool channels_last, uint64_t seed) {
  torch::manual_seed(seed);
  torch::Tensor z = torch::randn({n, k, 5, 6, 7}) * 3;
  return channels_last ? z.contiguous(at::MemoryFormat::ChannelsLast3d) : z;
}

}  // namespace

TEST("the reference's sums and CE equal LibTorch's softmax, one-hot products and cross-entropy") {
  const ReferenceSwitch on;
  for (const bool channels_last : {false, true}) {
    const torch::Tensor z = Logits(2, 3, channels_last, 1);
    const torch::Tensor t = torch::randint(0, 3, {2, 5, 6, 7}, torch::kLong);
    const pipe_core::SoftmaxStats s = pipe_core::FusedSoftmaxStats(z, t);
    const torch::Tensor p = torch::softmax(z, 1), y = torch::zeros_like(p).scatter_(1, t.unsqueeze(1), 1.0);
    const torch::Tensor want = torch::stack({(p * y).sum({2, 3, 4}), p.sum({2, 3, 4}), y.sum({2, 3, 4})}, -1);
    const torch::Tensor ce = torch::nn::functional::cross_entropy(
        z, t, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
    const double r_stats = MaxRel(s.stats, want), r_ce = MaxRel(s.ce_sum, ce);
    std::printf("  %s: stats %.2e, CE sum %.2e\n", channels_last ? "channels-last" : "NCDHW", r_stats, r_ce);
    CHECK(s.stats.sizes() == (std::vector<int64_t>{2, 3, 3}) && s.ce_sum.dim() == 0);
    CHECK(r_stats < 1e-5 && r_ce < 1e-5);
  }
}

TEST("DiceCeLoss through the fused path: value and logits gradient as LibTorch's (batch Dice or not, layouts, K)") {
  double worst = 0;
  for (const bool batch_dice : {true, false}) {
    for (const bool channels_last : {false, true}) {
      for (const int64_t k : {2, 3}) {
        const torch::Tensor z0 = Logits(2, k, channels_last, 10 + k);
        const torch::Tensor t = torch::randint(0, k, {2, 5, 6, 7}, torch::kLong);
        pipe_core::LossOptions o;
        o.batch_dice = batch_dice;
        auto run = [&](bool fused) {
          std::unique_ptr<ReferenceSwitch> on;
          if (fused) on = std::make_unique<ReferenceSwitch>();
          CHECK(pipe_core::UseFusedLoss(z0) == fused);
          torch::Tensor z = z0.clone().set_requires_grad(true);
          const torch::Tensor loss = pipe_core::DiceCeLoss(z, t, o);
          loss.backward();
          return std::vector<torch::Tensor>{loss.detach(), z.grad()};
        };
        const auto fused = run(true), plain = run(false);
        CHECK(fused[1].is_contiguous(channels_last ? at::MemoryFormat::ChannelsLast3d : at::MemoryFormat::Contiguous));
        worst = std::max({worst, MaxRel(fused[0], plain[0]), MaxRel(fused[1], plain[1])});
      }
    }
  }
  std::printf("  worst relative difference (loss, logits gradient) over 8 cases: %.2e\n", worst);
  CHECK(worst < 1e-5);
}

TEST("with a DDP-style count reduction and deep supervision the fused loss still matches") {
  const torch::Tensor t = torch::randint(0, 3, {2, 5, 6, 7}, torch::kLong);
  pipe_core::LossOptions o;
  o.head_weights = {0.5, 1.0};
  o.reduce_dice_counts = [](const torch::Tensor& local) { return local * 2 + 1; };  // "other ranks"
  auto run = [&](bool fused) {
    std::unique_ptr<ReferenceSwitch> on;
    if (fused) on = std::make_unique<ReferenceSwitch>();
    torch::Tensor a = Logits(2, 3, true, 31).set_requires_grad(true),
                  b = Logits(2, 3, false, 32).set_requires_grad(true);
    const auto r = pipe_core::DeepSupervisionLoss({a, b}, t, o);
    r.total.backward();
    return std::vector<torch::Tensor>{r.total.detach(), a.grad(), b.grad()};
  };
  const auto fused = run(true), plain = run(false);
  double worst = 0;
  for (size_t i = 0; i < fused.size(); ++i) worst = std::max(worst, MaxRel(fused[i], plain[i]));
  std::printf("  worst relative difference: %.2e\n", worst);
  CHECK(worst < 1e-5);
}

TEST("UseFusedLoss: CUDA only unless PIPE_FUSED_LOSS=reference; fp32 on the CPU; 1..8 classes; off with 0") {
  const torch::Tensor z = torch::zeros({1, 3, 2, 2, 2});
  CHECK(!pipe_core::UseFusedLoss(z));
  {
    const ReferenceSwitch on;
    CHECK(pipe_core::UseFusedLoss(z));
    CHECK(!pipe_core::UseFusedLoss(z.to(torch::kFloat64)));
    CHECK(!pipe_core::UseFusedLoss(torch::zeros({1, 9, 2, 2, 2})));
    CHECK(!pipe_core::UseFusedLoss(torch::zeros({3, 2, 2, 2})));
  }
  setenv("PIPE_FUSED_LOSS", "0", 1);
  CHECK(!pipe_core::UseFusedLoss(z));
  unsetenv("PIPE_FUSED_LOSS");
}

RUN_TESTS()

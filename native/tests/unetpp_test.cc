// Node-free tests of the UNet++ builder: output shapes (isotropic, anisotropic, pruned heads), gradients reaching
// every parameter under the deep-supervision loss, and the Task03 3d_fullres parameter count (recipe 7.5).
#include "core/unetpp.h"

#include <torch/torch.h>

#include "check.h"
#include "core/conv_cpu.h"
#include "core/loss.h"

using pipe_core::Axes3;
using pipe_core::NetworkPlan;

namespace {

NetworkPlan Plan(int64_t npool, Axes3 pool, Axes3 conv, int64_t base, int64_t max, int64_t in, int64_t classes) {
  NetworkPlan p;
  p.in_channels = in;
  p.num_classes = classes;
  p.base_features = base;
  p.max_features = max;
  p.pool_kernels.assign(npool, pool);
  p.conv_kernels.assign(npool + 1, conv);
  return p;
}

}  // namespace

TEST("Task03 3d_fullres plan has 45,966,784 parameters") {
  torch::manual_seed(0);
  pipe_core::UNetPlusPlus net(Plan(5, {2, 2, 2}, {3, 3, 3}, 32, 320, 1, 3));
  const int64_t n = pipe_core::CountParameters(*net);
  std::printf("  parameters: %lld\n", static_cast<long long>(n));
  CHECK(n == 45966784);
  CHECK(net->plan().features(5) == 320);
  CHECK(net->plan().features(3) == 256);
}

TEST("isotropic plan: every head is full resolution") {
  torch::manual_seed(1);
  pipe_core::UNetPlusPlus net(Plan(3, {2, 2, 2}, {3, 3, 3}, 4, 16, 2, 3));
  auto heads = net->forward(torch::randn({2, 2, 16, 16, 16}));
  CHECK(heads.size() == 3);
  for (const auto& h : heads) CHECK(h.sizes() == torch::IntArrayRef({2, 3, 16, 16, 16}));
}

TEST("anisotropic plan: per-axis pool and conv kernels") {
  torch::manual_seed(2);
  NetworkPlan p = Plan(3, {2, 2, 2}, {3, 3, 3}, 4, 12, 1, 2);
  p.pool_kernels = {{1, 2, 2}, {2, 2, 2}, {1, 2, 2}};
  p.conv_kernels = {{1, 3, 3}, {3, 3, 3}, {3, 3, 3}, {1, 3, 3}};
  pipe_core::UNetPlusPlus net(p);
  auto heads = net->forward(torch::randn({1, 1, 6, 24, 16}));
  CHECK(heads.size() == 3);
  for (const auto& h : heads) CHECK(h.sizes() == torch::IntArrayRef({1, 2, 6, 24, 16}));
  CHECK(pipe_core::PatchDivisor(p) == (Axes3{2, 8, 8}));
}

TEST("npool 1 builds and a pruned forward returns only the requested heads") {
  torch::manual_seed(3);
  pipe_core::UNetPlusPlus one(Plan(1, {2, 2, 2}, {3, 3, 3}, 4, 8, 1, 2));
  CHECK(one->forward(torch::randn({1, 1, 4, 4, 4})).size() == 1);
  pipe_core::UNetPlusPlus net(Plan(4, {2, 2, 2}, {3, 3, 3}, 4, 16, 1, 2));
  auto x = torch::randn({1, 1, 16, 16, 16});
  auto full = net->forward(x);
  auto pruned = net->forward(x, 2);
  CHECK(pruned.size() == 2);
  // X^{0,2} depends only on nodes with i+j <= 2, so the pruned network computes the same logits.
  CHECK(torch::allclose(pruned[1], full[1], 1e-5, 1e-6));
}

TEST("deep-supervision loss reaches every parameter") {
  torch::manual_seed(4);
  pipe_core::UNetPlusPlus net(Plan(3, {2, 2, 2}, {3, 3, 3}, 4, 16, 1, 3));
  auto x = torch::randn({2, 1, 16, 16, 16});
  auto target = torch::randint(0, 3, {2, 16, 16, 16}, torch::kLong);
  pipe_core::LossOptions lo;
  auto loss = pipe_core::DeepSupervisionLoss(net->forward(x), target, lo);
  loss.total.backward();
  int missing = 0;
  for (const auto& item : net->named_parameters()) {
    const auto& g = item.value().grad();
    if (!g.defined() || g.abs().sum().item<double>() == 0.0) {
      std::printf("  no gradient: %s\n", item.key().c_str());
      ++missing;
    }
  }
  CHECK(missing == 0);
  CHECK(loss.per_head.size() == 3);
}

TEST("invalid plans are refused with the field named") {
  NetworkPlan p = Plan(2, {2, 2, 2}, {3, 3, 3}, 4, 8, 1, 2);
  p.conv_kernels.pop_back();
  CHECK_THROWS_WITH(pipe_core::UNetPlusPlus{p}, "convKernels");
  NetworkPlan q = Plan(2, {2, 2, 2}, {3, 3, 3}, 4, 8, 1, 1);
  CHECK_THROWS_WITH(pipe_core::UNetPlusPlus{q}, "numClasses");
}

TEST("the fast CPU conv backward matches LibTorch's gradients") {
  torch::manual_seed(5);
  for (const int64_t n : {2, 1})  // a batch of 1 is what a DDP rank gets from a global batch of 2
    for (const Axes3 k : {Axes3{3, 3, 3}, Axes3{1, 3, 3}}) {
      const Axes3 pad{(k[0] - 1) / 2, (k[1] - 1) / 2, (k[2] - 1) / 2};
      auto x = torch::randn({n, 3, 6, 8, 5}, torch::requires_grad());
      auto w = torch::randn({4, 3, k[0], k[1], k[2]}, torch::requires_grad());
      auto b = torch::randn({4}, torch::requires_grad());
      auto g = torch::randn({n, 4, 6, 8, 5});
      auto ours = pipe_core::Conv3dSameCpu(x, w, b, pad);
      auto grads = torch::autograd::grad({ours}, {x, w, b}, {g});
      auto ref = torch::conv3d(x, w, b, 1, torch::IntArrayRef({pad[0], pad[1], pad[2]}));
      auto ref_grads = torch::autograd::grad({ref}, {x, w, b}, {g});
      CHECK(torch::allclose(ours, ref, 1e-5, 1e-5));
      for (int i = 0; i < 3; ++i) {
        const double diff = (grads[i] - ref_grads[i]).abs().max().item<double>();
        const double scale = ref_grads[i].abs().max().item<double>();
        if (diff > 1e-5 * scale + 1e-5) std::printf("  grad %d differs by %g (scale %g)\n", i, diff, scale);
        CHECK(diff <= 1e-5 * scale + 1e-5);
      }
    }
}

RUN_TESTS()

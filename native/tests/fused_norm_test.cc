// The fused InstanceNorm (affine) + LeakyReLU math (core/fused_norm_math.h, run by the CUDA kernels) against
// LibTorch's instance_norm + leaky_relu on CPU, through the CPU reference built from the same functions:
// outputs and all three gradients (autograd), several shapes incl. odd sizes, fp32 and bf16-rounded input.
#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "check.h"
#include "core/fused_norm_act.h"
#include "core/fused_norm_cpu.h"
#include "core/unetpp.h"
#include "phantom.h"

namespace {

using pipe_core::fused_norm::NormActShape;

constexpr float kEps = 1e-5f, kSlope = 1e-2f;

struct Case {
  int64_t n, c, d, h, w;
  pipe_core::fused_norm::Decomposition split;
};

// Largest |a - b| relative to max|b| (1 where b is all zero).
double MaxRel(const torch::Tensor& a_in, const torch::Tensor& b_in) {
  const torch::Tensor a = a_in.to(torch::kFloat64), b = b_in.to(torch::kFloat64);
  const double scale = std::max(b.abs().max().item<double>(), 1e-30);
  return (a - b).abs().max().item<double>() / scale;
}

torch::Tensor ToChannelsLast(const torch::Tensor& t) { return t.permute({0, 2, 3, 4, 1}).contiguous(); }

// Runs the reference and LibTorch on x (N, C, D, H, W), returns the worst relative difference of out, dx,
// dgamma, dbeta against LibTorch's fp64 result; prints each.
double Compare(const Case& k, bool bf16_input, uint64_t seed) {
  torch::manual_seed(seed);
  auto opts = torch::TensorOptions().dtype(torch::kFloat32);
  // An offset and scale per channel, as a conv output has: the statistics must not assume zero-mean input.
  torch::Tensor x = torch::randn({k.n, k.c, k.d, k.h, k.w}, opts) * (torch::rand({1, k.c, 1, 1, 1}, opts) * 3 + 0.1) +
                    torch::randn({1, k.c, 1, 1, 1}, opts) * 4;
  if (bf16_input) x = x.to(torch::kBFloat16).to(torch::kFloat32);
  const torch::Tensor gamma0 = torch::randn({k.c}, opts) + 1, beta0 = torch::randn({k.c}, opts);
  const torch::Tensor dout = torch::randn({k.n, k.c, k.d, k.h, k.w}, opts);

  // LibTorch in fp64 on the same fp32 values: the ground truth the fp32 reference is measured against.
  torch::Tensor xr = x.to(torch::kFloat64).set_requires_grad(true);
  torch::Tensor gamma = gamma0.to(torch::kFloat64).set_requires_grad(true);
  torch::Tensor beta = beta0.to(torch::kFloat64).set_requires_grad(true);
  torch::Tensor y = torch::leaky_relu(torch::instance_norm(xr, gamma, beta, {}, {}, true, 0.1, kEps, false), kSlope);
  y.backward(dout.to(torch::kFloat64));

  const NormActShape shape{k.n, k.c, k.d * k.h * k.w};
  const torch::Tensor x_cl = ToChannelsLast(x), dout_cl = ToChannelsLast(dout);
  torch::Tensor out = torch::empty_like(x_cl), dx = torch::empty_like(x_cl);
  torch::Tensor mean = torch::empty({k.n * k.c}, opts), invstd = torch::empty({k.n * k.c}, opts);
  torch::Tensor dgamma = torch::empty({k.c}, opts), dbeta = torch::empty({k.c}, opts);
  const pipe_core::fused_norm::NormActParams params{kEps, kSlope};
  pipe_core::fused_norm::NormActForwardCpu(x_cl.data_ptr<float>(), gamma0.data_ptr<float>(), beta0.data_ptr<float>(),
                                           out.data_ptr<float>(), mean.data_ptr<float>(), invstd.data_ptr<float>(),
                                           shape, params, k.split);
  pipe_core::fused_norm::NormActBackwardCpu(dout_cl.data_ptr<float>(), x_cl.data_ptr<float>(), gamma0.data_ptr<float>(),
                                            beta0.data_ptr<float>(), mean.data_ptr<float>(), invstd.data_ptr<float>(),
                                            dx.data_ptr<float>(), dgamma.data_ptr<float>(), dbeta.data_ptr<float>(),
                                            shape, params, k.split);
  const double r_out = MaxRel(out, ToChannelsLast(y.detach())), r_dx = MaxRel(dx, ToChannelsLast(xr.grad()));
  const double r_dg = MaxRel(dgamma, gamma.grad()), r_db = MaxRel(dbeta, beta.grad());
  std::printf("  N=%lld C=%lld %lldx%lldx%lld chunk=%lld rows=%lld %s: out %.2e dx %.2e dgamma %.2e dbeta %.2e\n",
              static_cast<long long>(k.n), static_cast<long long>(k.c), static_cast<long long>(k.d),
              static_cast<long long>(k.h), static_cast<long long>(k.w), static_cast<long long>(k.split.chunk),
              static_cast<long long>(k.split.rows), bf16_input ? "bf16-rounded" : "fp32", r_out, r_dx, r_dg, r_db);
  return std::max({r_out, r_dx, r_dg, r_db});
}

const std::vector<Case> kCases = {
    {1, 1, 1, 1, 3, {1, 1}},
    {2, 3, 5, 7, 3, {4, 3}},
    {2, 32, 8, 8, 8, {64, 8}},
    {1, 33, 9, 5, 7, {100, 8}},
    {3, 5, 17, 3, 11, {7, 2}},
    {2, 320, 4, 4, 4, pipe_core::fused_norm::kKernelSplit},
    {1, 4, 33, 31, 29, pipe_core::fused_norm::kKernelSplit},  // the kernels' split, a partial last chunk
};

TEST("fused norm reference matches LibTorch, fp32 input") {
  uint64_t seed = 1;
  for (const auto& k : kCases) CHECK(Compare(k, false, seed++) < 1e-5);
}

TEST("fused norm reference matches LibTorch, bf16-rounded input") {
  uint64_t seed = 100;
  for (const auto& k : kCases) CHECK(Compare(k, true, seed++) < 1e-5);
}

TEST("fused norm reference: statistics of a large offset stay accurate (Welford)") {
  // mean 1000, std 0.01: a naive sum of squares in fp32 would lose the variance entirely.
  const Case k{1, 2, 16, 16, 16, {128, 8}};
  torch::manual_seed(7);
  const torch::Tensor x = torch::randn({1, 2, 16, 16, 16}) * 0.01 + 1000;
  const torch::Tensor x_cl = ToChannelsLast(x);
  const torch::Tensor gamma = torch::ones({2}), beta = torch::zeros({2});
  torch::Tensor out = torch::empty_like(x_cl), mean = torch::empty({2}), invstd = torch::empty({2});
  pipe_core::fused_norm::NormActForwardCpu(x_cl.data_ptr<float>(), gamma.data_ptr<float>(), beta.data_ptr<float>(),
                                           out.data_ptr<float>(), mean.data_ptr<float>(), invstd.data_ptr<float>(),
                                           NormActShape{k.n, k.c, 16 * 16 * 16}, {kEps, kSlope}, k.split);
  const torch::Tensor ref_invstd = 1 / torch::sqrt(x.to(torch::kFloat64).var({2, 3, 4}, false).flatten() + kEps);
  CHECK(MaxRel(invstd, ref_invstd) < 1e-3);
}

TEST("fused norm reference rejects a chunk or rows below 1") {
  float v = 0;
  CHECK_THROWS_WITH(
      pipe_core::fused_norm::NormActForwardCpu(&v, &v, &v, &v, &v, &v, NormActShape{1, 1, 1}, {kEps, kSlope}, {1, 0}),
      "chunk and rows must be >= 1");
}

// The autograd functions ConvNormAct uses on CUDA, driven on the CPU through the reference (PIPE_FUSED_NORM=reference):
// everything of the CUDA path but the kernels themselves.
struct ReferenceSwitch {
  ReferenceSwitch() { setenv("PIPE_FUSED_NORM", "reference", 1); }
  ~ReferenceSwitch() { unsetenv("PIPE_FUSED_NORM"); }
};

TEST("FusedNormAct (autograd, CPU reference) matches LibTorch in both layouts; an absorbed bias gets exactly 0") {
  torch::manual_seed(21);
  for (const bool channels_last : {false, true}) {
    torch::Tensor x0 = torch::randn({2, 5, 6, 7, 3}) * 2 + 1;
    if (channels_last) x0 = x0.contiguous(at::MemoryFormat::ChannelsLast3d);
    const torch::Tensor g0 = torch::randn({5}) + 1, b0 = torch::randn({5}), c0 = torch::randn({5});
    const torch::Tensor dout = torch::randn({2, 5, 6, 7, 3});
    auto grads = [&](bool fused, bool with_bias) {
      torch::Tensor x = x0.clone().set_requires_grad(true), g = g0.clone().set_requires_grad(true);
      torch::Tensor b = b0.clone().set_requires_grad(true), c = c0.clone().set_requires_grad(true);
      torch::Tensor y;
      if (fused) {
        y = pipe_core::FusedNormAct(x, g, b, kEps, kSlope, with_bias ? c : torch::Tensor());
        CHECK(y.is_contiguous(channels_last ? at::MemoryFormat::ChannelsLast3d : at::MemoryFormat::Contiguous));
      } else {
        y = torch::leaky_relu(torch::instance_norm(x + c.view({1, 5, 1, 1, 1}), g, b, {}, {}, true, 0.1, kEps, false),
                              kSlope);
      }
      y.backward(dout);
      return std::vector<torch::Tensor>{y.detach(), x.grad(), g.grad(), b.grad(), c.grad()};
    };
    const auto ref = grads(false, true), plain = grads(true, false), absorbed = grads(true, true);
    double worst = 0;
    for (size_t i = 0; i < 4; ++i) {
      worst = std::max({worst, MaxRel(plain[i], ref[i]), MaxRel(absorbed[i], ref[i])});
      CHECK(torch::equal(plain[i], absorbed[i]));  // the bias takes no part in the result
    }
    std::printf("  autograd, %s: worst relative difference %.2e; LibTorch's bias gradient %.2e (rounding)\n",
                channels_last ? "channels-last" : "NCDHW", worst, ref[4].abs().max().item<double>());
    CHECK(worst < 1e-5);
    CHECK(!plain[4].defined() && absorbed[4].defined() && torch::equal(absorbed[4], torch::zeros({5})));
    CHECK(ref[4].abs().max().item<double>() < 1e-4);
  }
}

TEST("UseFusedNormAct: CUDA only, unless PIPE_FUSED_NORM=reference (then fp32 CPU tensors too)") {
  const torch::Tensor x = torch::zeros({1, 2, 3, 3, 3});
  CHECK(!pipe_core::UseFusedNormAct(x));
  const ReferenceSwitch on;
  CHECK(pipe_core::UseFusedNormAct(x));
  CHECK(!pipe_core::UseFusedNormAct(x.to(torch::kFloat64)));
  CHECK(!pipe_core::UseFusedNormAct(x.view({2, 3, 3, 3})));
}

TEST("UNet++ through the fused path (CPU reference): outputs and gradients as LibTorch's, conv biases exactly 0") {
  torch::manual_seed(5);
  pipe_core::UNetPlusPlus net(pipe_test::TinyNetwork());
  const torch::Tensor x = torch::randn({2, 1, 16, 16, 16});
  auto run = [&](bool fused) {
    std::unique_ptr<ReferenceSwitch> on;
    if (fused) on = std::make_unique<ReferenceSwitch>();
    net->zero_grad();
    const auto heads = net->forward(x);
    torch::Tensor loss = torch::zeros({});
    for (const auto& h : heads) loss = loss + (h * h).mean();
    loss.backward();
    std::vector<torch::Tensor> result{heads[0].detach().clone()};
    for (const auto& p : net->named_parameters()) result.push_back(p.value().grad().detach().clone());
    return result;
  };
  const auto fused = run(true), plain = run(false);
  const auto names = net->named_parameters().keys();
  double worst = 0;
  int biases = 0;
  for (size_t i = 0; i < fused.size(); ++i) {
    const std::string name = i == 0 ? "output" : names[i - 1];
    if (name.size() > 10 && name.compare(name.size() - 10, 10, ".conv.bias") == 0) {
      ++biases;
      CHECK(torch::equal(fused[i], torch::zeros_like(fused[i])));
      continue;
    }
    worst = std::max(worst, MaxRel(fused[i], plain[i]));
  }
  std::printf("  UNet++: worst relative difference over the output and %zu gradients %.2e; %d conv biases at 0\n",
              fused.size() - 1 - biases, worst, biases);
  CHECK(biases > 0 && worst < 1e-3);
}

}  // namespace

RUN_TESTS()

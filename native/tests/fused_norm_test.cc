// The fused InstanceNorm (affine) + LeakyReLU math (core/fused_norm_math.h, run by the CUDA kernels) against
// LibTorch's instance_norm + leaky_relu on CPU, through the CPU reference built from the same functions:
// outputs and all three gradients (autograd), several shapes incl. odd sizes, fp32 and bf16-rounded input.
#include <torch/torch.h>

#include <cstdio>
#include <vector>

#include "check.h"
#include "core/fused_norm_cpu.h"

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

}  // namespace

RUN_TESTS()

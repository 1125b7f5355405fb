// The fused InstanceNorm (affine) + LeakyReLU CUDA kernels, through the autograd function ConvNormAct uses
// (core/fused_norm_act.h), against LibTorch's instance_norm + leaky_relu on the device: outputs and all three
// gradients, several shapes incl. odd sizes and the Task03 plan's (N=2, C=32 at 128^3; C=320 at 4^3), fp32,
// fp16 and bf16, NCDHW and channels-last input. The reference runs in fp64 on the same rounded inputs. Then the
// switch (PIPE_FUSED_NORM=0) and a UNet++ forward/backward with the kernels on and off.
// Built only when CMake compiled the kernels (a CUDA LibTorch and nvcc); needs a CUDA device.
#include <ATen/Context.h>
#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "check.h"
#include "core/fused_norm_act.h"
#include "core/unetpp.h"
#include "phantom.h"

namespace {

constexpr double kEps = 1e-5, kSlope = 1e-2;

struct Case {
  int64_t n, c, d, h, w;
  bool channels_last;
};

// max |a - b| / max |b| over the elements where `mask` is true (all when undefined).
double MaxRel(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& mask = {}) {
  torch::Tensor diff = (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs();
  if (mask.defined()) diff = diff * mask.to(torch::kFloat64);
  return diff.max().item<double>() / std::max(b.abs().max().item<double>(), 1e-30);
}

struct Tolerance {
  double value;  // out and dx, relative to their largest magnitude (the dtype's rounding)
  double sum;    // dgamma and dbeta (fp32 sums in every dtype)
};

Tolerance ToleranceOf(torch::ScalarType t) {
  if (t == torch::kBFloat16) return {1e-2, 1e-3};
  if (t == torch::kFloat16) return {2e-3, 1e-3};
  return {1e-4, 1e-4};
}

bool Compare(const Case& k, torch::ScalarType type, uint64_t seed) {
  torch::manual_seed(seed);
  const auto dev = torch::TensorOptions().device(torch::kCUDA).dtype(torch::kFloat32);
  torch::Tensor x = torch::randn({k.n, k.c, k.d, k.h, k.w}, dev) * (torch::rand({1, k.c, 1, 1, 1}, dev) * 3 + 0.1) +
                    torch::randn({1, k.c, 1, 1, 1}, dev) * 4;
  x = x.to(type);
  if (k.channels_last) x = x.contiguous(at::MemoryFormat::ChannelsLast3d);
  const torch::Tensor dout = torch::randn({k.n, k.c, k.d, k.h, k.w}, dev).to(type);
  const torch::Tensor gamma0 = torch::randn({k.c}, dev) + 1, beta0 = torch::randn({k.c}, dev);

  torch::Tensor xr = x.to(torch::kFloat64).set_requires_grad(true);
  torch::Tensor gr = gamma0.to(torch::kFloat64).set_requires_grad(true);
  torch::Tensor br = beta0.to(torch::kFloat64).set_requires_grad(true);
  torch::Tensor pre = torch::instance_norm(xr, gr, br, {}, {}, true, 0.1, kEps, false);
  torch::Tensor ref = torch::leaky_relu(pre, kSlope);
  ref.backward(dout.to(torch::kFloat64));

  torch::Tensor xf = x.detach().clone().set_requires_grad(true);
  torch::Tensor gf = gamma0.clone().set_requires_grad(true), bf = beta0.clone().set_requires_grad(true);
  torch::Tensor out = pipe_core::FusedNormAct(xf, gf, bf, kEps, kSlope);
  out.backward(dout);
  torch::cuda::synchronize();

  // LeakyReLU's derivative is ambiguous at its kink: leave out the voxels whose fp64 pre-activation lies within
  // fp32 rounding of 0, where fp32 and fp64 may take different sides.
  const torch::Tensor away = pre.detach().abs() > 1e-5 * pre.detach().abs().max();
  const double r_out = MaxRel(out, ref.detach()), r_dx = MaxRel(xf.grad(), xr.grad(), away);
  const double r_dg = MaxRel(gf.grad(), gr.grad()), r_db = MaxRel(bf.grad(), br.grad());
  const Tolerance tol = ToleranceOf(type);
  const bool ok = out.scalar_type() == type && xf.grad().scalar_type() == type &&
                  out.suggest_memory_format() == x.suggest_memory_format() && r_out < tol.value && r_dx < tol.value &&
                  r_dg < tol.sum && r_db < tol.sum;
  std::printf("  N=%lld C=%lld %lldx%lldx%lld %s %s: out %.2e dx %.2e dgamma %.2e dbeta %.2e%s\n",
              static_cast<long long>(k.n), static_cast<long long>(k.c), static_cast<long long>(k.d),
              static_cast<long long>(k.h), static_cast<long long>(k.w), c10::toString(type),
              k.channels_last ? "channels-last" : "NCDHW", r_out, r_dx, r_dg, r_db, ok ? "" : "  <-- over tolerance");
  return ok;
}

const std::vector<Case> kCases = {
    {1, 1, 1, 1, 3, false},   {2, 3, 5, 7, 3, true},        {3, 33, 9, 5, 7, false},
    {1, 5, 17, 3, 11, true},  {2, 64, 33, 31, 29, true},    {2, 320, 4, 4, 4, true},
    {2, 320, 5, 3, 7, false}, {2, 32, 128, 128, 128, true},  // Task03: the first stage at the plan's 128^3 patch, batch
                                                             // 2
};

void RunAll(torch::ScalarType type, uint64_t seed) {
  if (!torch::cuda::is_available()) return;
  for (const auto& k : kCases) CHECK(Compare(k, type, seed++));
}

TEST("a CUDA device is present") { CHECK(torch::cuda::is_available()); }
TEST("fused norm kernels match LibTorch, fp32") { RunAll(torch::kFloat32, 1); }
TEST("fused norm kernels match LibTorch, fp16") { RunAll(torch::kFloat16, 100); }
TEST("fused norm kernels match LibTorch, bf16") { RunAll(torch::kBFloat16, 200); }

TEST("PIPE_FUSED_NORM=0 turns the fused path off; CPU tensors never take it") {
  if (!torch::cuda::is_available()) return;
  const torch::Tensor x = torch::zeros({1, 2, 3, 3, 3}, torch::TensorOptions().device(torch::kCUDA));
  unsetenv("PIPE_FUSED_NORM");
  CHECK(pipe_core::UseFusedNormAct(x));
  CHECK(!pipe_core::UseFusedNormAct(x.cpu()));
  CHECK(!pipe_core::UseFusedNormAct(x.to(torch::kFloat64)));
  setenv("PIPE_FUSED_NORM", "0", 1);
  CHECK(!pipe_core::UseFusedNormAct(x));
  unsetenv("PIPE_FUSED_NORM");
  CHECK(pipe_core::UseFusedNormAct(x));
}

TEST("UNet++ on CUDA: fused and LibTorch norms agree (outputs and weight gradients; conv biases: exactly 0 fused)") {
  if (!torch::cuda::is_available()) return;
  // TF32 convolutions would turn the norms' fp32 rounding differences into differences of TF32's 2^-11.
  const bool tf32 = at::globalContext().allowTF32CuDNN();
  at::globalContext().setAllowTF32CuDNN(false);
  torch::manual_seed(5);
  pipe_core::UNetPlusPlus net(pipe_test::TinyNetwork());
  net->to(torch::kCUDA);
  const torch::Tensor x = torch::randn({2, 1, 16, 16, 16}, torch::TensorOptions().device(torch::kCUDA));
  auto run = [&](bool fused) {
    if (fused) {
      unsetenv("PIPE_FUSED_NORM");
    } else {
      setenv("PIPE_FUSED_NORM", "0", 1);
    }
    net->zero_grad();
    const auto heads = net->forward(x);
    torch::Tensor loss = torch::zeros({}, x.options());
    for (const auto& h : heads) loss = loss + (h * h).mean();
    loss.backward();
    std::vector<torch::Tensor> result{heads[0].detach().clone()};
    for (const auto& p : net->named_parameters()) result.push_back(p.value().grad().detach().clone());
    unsetenv("PIPE_FUSED_NORM");
    return result;
  };
  const auto fused = run(true), plain = run(false);
  const auto names = net->named_parameters().keys();
  double worst = 0, largest = 0, plain_bias = 0;
  int biases = 0;
  for (size_t i = 1; i < fused.size(); ++i) largest = std::max(largest, plain[i].abs().max().item<double>());
  for (size_t i = 0; i < fused.size(); ++i) {
    const std::string& name = i == 0 ? std::string("output") : names[i - 1];
    // A conv bias followed by the norm: the fused path skips it, so its gradient is exactly 0 (the math's value);
    // LibTorch's is rounding noise around 0.
    if (name.size() > 10 && name.compare(name.size() - 10, 10, ".conv.bias") == 0) {
      ++biases;
      CHECK(fused[i].abs().max().item<double>() == 0.0);
      plain_bias = std::max(plain_bias, plain[i].abs().max().item<double>());
      continue;
    }
    worst = std::max(worst, MaxRel(fused[i], plain[i]));
  }
  std::printf(
      "  worst relative difference over the output and %zu gradients: %.2e; %d conv biases: LibTorch's "
      "gradient at most %.2e of the largest gradient\n",
      fused.size() - 1 - biases, worst, biases, plain_bias / std::max(largest, 1e-30));
  at::globalContext().setAllowTF32CuDNN(tf32);
  CHECK(worst < 1e-3);
  CHECK(biases > 0 && plain_bias < 1e-3 * largest);
}

}  // namespace

RUN_TESTS()

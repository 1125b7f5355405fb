// Times InstanceNorm (affine) + LeakyReLU forward + backward on the device: the fused kernels (fused_norm_act.h)
// against LibTorch's instance_norm + leaky_relu, each with NCDHW and channels-last input, at one size (default the
// Task03 plan's first stage: N=2, C=32, 128^3, bf16). Built only with the CUDA kernels; needs a CUDA device.
// Usage: fused_norm_cuda_bench [n=2 c=32 size=128 dtype=bf16|fp16|fp32 reps=20]
// Prints one line per variant, then "FUSED_NORM speedup_cl=<LibTorch NCDHW / fused channels-last> ...".
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>

#include "bench_args.h"
#include "core/fused_norm_act.h"

namespace {

constexpr double kEps = 1e-5, kSlope = 1e-2;

// Mean milliseconds of fn() over `reps` runs after 3 warm-up runs, the device synchronized around the timing.
double TimeMs(const std::function<void()>& fn, int64_t reps) {
  for (int i = 0; i < 3; ++i) fn();
  torch::cuda::synchronize();
  const auto t0 = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < reps; ++i) fn();
  torch::cuda::synchronize();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() /
         static_cast<double>(reps);
}

torch::ScalarType TypeOf(const std::string& name) {
  if (name == "bf16") return torch::kBFloat16;
  if (name == "fp16") return torch::kFloat16;
  if (name == "fp32") return torch::kFloat32;
  throw std::invalid_argument("dtype must be bf16, fp16 or fp32, got \"" + name + "\"");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const pipe_bench::Args args(argc, argv);
    const int64_t n = args.Int("n", 2), c = args.Int("c", 32), size = args.Int("size", 128),
                  reps = args.Int("reps", 20);
    const std::string dtype = args.Str("dtype", "bf16");
    args.CheckAllUsed();
    if (!torch::cuda::is_available()) throw std::runtime_error("no CUDA device");
    const auto opts = torch::TensorOptions().device(torch::kCUDA).dtype(TypeOf(dtype));
    const torch::Tensor x0 = torch::randn({n, c, size, size, size}, opts), dout0 = torch::randn_like(x0);
    const torch::Tensor gamma = torch::ones({c}, opts.dtype(torch::kFloat32)).set_requires_grad(true);
    const torch::Tensor beta = torch::zeros({c}, opts.dtype(torch::kFloat32)).set_requires_grad(true);
    auto step = [&](bool fused, bool channels_last) {
      const auto format = channels_last ? at::MemoryFormat::ChannelsLast3d : at::MemoryFormat::Contiguous;
      const torch::Tensor x = x0.contiguous(format).detach().set_requires_grad(true);
      const torch::Tensor dout = dout0.contiguous(format);
      return [=]() {
        torch::Tensor y =
            fused ? pipe_core::FusedNormAct(x, gamma, beta, kEps, kSlope)
                  : torch::leaky_relu(torch::instance_norm(x, gamma, beta, {}, {}, true, 0.1, kEps, false), kSlope);
        y.backward(dout);
      };
    };
    const double lib_nc = TimeMs(step(false, false), reps), lib_cl = TimeMs(step(false, true), reps);
    const double fused_nc = TimeMs(step(true, false), reps), fused_cl = TimeMs(step(true, true), reps);
    std::printf(
        "norm+act fwd+bwd N=%lld C=%lld %lld^3 %s (ms): LibTorch NCDHW %.3f, LibTorch channels-last %.3f, "
        "fused NCDHW input %.3f, fused channels-last %.3f\n",
        static_cast<long long>(n), static_cast<long long>(c), static_cast<long long>(size), dtype.c_str(), lib_nc,
        lib_cl, fused_nc, fused_cl);
    std::printf("FUSED_NORM speedup_cl=%.2f speedup_ncdhw=%.2f fused_cl_ms=%.3f libtorch_ms=%.3f\n", lib_nc / fused_cl,
                lib_nc / fused_nc, fused_cl, lib_nc);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fused_norm_cuda_bench: %s\n", e.what());
    return 1;
  }
}

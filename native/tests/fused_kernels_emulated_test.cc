// The CUDA kernels themselves (src/core/fused_norm_cuda.cu, fused_loss_cuda.cu), run on CPU threads by the host
// emulation (emulated/cuda_emulation.h), against the CPU references of their math (fused_norm_cpu, fused_loss_cpu;
// those are proved against LibTorch by fused_norm_test and fused_loss_test). This checks what the references
// cannot: the grid and block indexing, the channel tiles and spatial chunks with their partial last ones, the
// shared-memory reductions and their barriers, the combine kernels, the workspace layout and the fp16 / bf16 loads
// and stores, on shapes incl. odd sizes and the Task03 plan's. Every output starts as NaN, so an element that no
// thread writes fails. Not run in builds that compile the kernels for a GPU: there tests/*_cuda_test.cc run them.
// native/scripts/kernel-sanitize.sh builds this file with AddressSanitizer (reads or writes out of bounds) and with
// ThreadSanitizer (a missing __syncthreads()).
// clang-format off
#include "emulated/cuda_emulation.h"  // first: the CUDA keywords, built-ins and PIPE_LAUNCH
#include "core/fused_loss_cuda.cu"
#include "core/fused_norm_cuda.cu"
// clang-format on

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <csignal>
#include <cstdio>
#include <limits>
#include <random>
#include <vector>

#include "check.h"
#include "core/fused_loss_cpu.h"
#include "core/fused_norm_cpu.h"

namespace {

using pipe_core::ElementType;
namespace norm = pipe_core::fused_norm;
namespace loss = pipe_core::fused_loss;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

template <typename T>
ElementType TypeOf();
template <>
ElementType TypeOf<float>() {
  return ElementType::kFloat32;
}
template <>
ElementType TypeOf<__half>() {
  return ElementType::kFloat16;
}
template <>
ElementType TypeOf<__nv_bfloat16>() {
  return ElementType::kBFloat16;
}

template <typename T>
const char* NameOf() {
  return TypeOf<T>() == ElementType::kFloat32 ? "fp32" : TypeOf<T>() == ElementType::kFloat16 ? "fp16" : "bf16";
}

// Largest |a - b| over max |b|: what one rounding of the element type allows; NaN anywhere gives infinity.
template <typename A>
double MaxRel(const std::vector<A>& a, const std::vector<float>& b) {
  double worst = 0, scale = 1e-30;
  for (size_t i = 0; i < b.size(); ++i) {
    const double d = std::fabs(static_cast<double>(static_cast<float>(a[i])) - b[i]);
    if (std::isnan(d)) return std::numeric_limits<double>::infinity();
    worst = std::max(worst, d);
    scale = std::max(scale, std::fabs(static_cast<double>(b[i])));
  }
  return worst / scale;
}

// One rounding of T, relative to the largest magnitude (fp32 leaves room for the different summation orders).
template <typename T>
double RoundingOf() {
  return TypeOf<T>() == ElementType::kFloat32 ? 2e-5 : TypeOf<T>() == ElementType::kFloat16 ? 1e-3 : 8e-3;
}

// Values drawn from `draw`, stored as T, and the same values as fp32 (what the reference reads).
template <typename T>
struct Buffer {
  std::vector<T> data;
  std::vector<float> exact;
};

template <typename T, typename Draw>
Buffer<T> Make(size_t count, Draw draw) {
  Buffer<T> b;
  b.data.reserve(count);
  b.exact.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    b.data.push_back(T(draw(i)));
    b.exact.push_back(static_cast<float>(b.data.back()));
  }
  return b;
}

// The reference's fp32 result as the kernel stores it: rounded to T.
template <typename T>
std::vector<float> RoundedTo(const std::vector<float>& v) {
  std::vector<float> r;
  r.reserve(v.size());
  for (const float x : v) r.push_back(static_cast<float>(T(x)));
  return r;
}

struct NormCase {
  int64_t n, c, s;
};

// Forward and backward of one shape and element type; returns false (after printing) when a tolerance is missed.
template <typename T>
bool CheckNorm(const NormCase& k, uint32_t seed) {
  const norm::NormActShape shape{k.n, k.c, k.s};
  const norm::NormActParams params{1e-5f, 1e-2f};
  const auto count = static_cast<size_t>(k.n * k.s * k.c), per_instance = static_cast<size_t>(k.n * k.c);
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  std::vector<float> offset(static_cast<size_t>(k.c)), scale(static_cast<size_t>(k.c)), gamma, beta;
  for (int64_t c = 0; c < k.c; ++c) {
    offset[static_cast<size_t>(c)] = 4 * normal(rng);
    scale[static_cast<size_t>(c)] = 0.1f + 3 * std::fabs(normal(rng));
    gamma.push_back(1 + normal(rng));
    beta.push_back(normal(rng));
  }
  const Buffer<T> x =
      Make<T>(count, [&](size_t i) { return offset[i % k.c] + scale[i % k.c] * normal(rng); });  // NDHWC: c fastest
  const Buffer<T> dout = Make<T>(count, [&](size_t) { return normal(rng); });
  std::vector<unsigned char> workspace(norm::WorkspaceBytes(shape));  // exact size: the sanitizer sees overruns

  std::vector<T> out(count, T(kNaN)), dx(count, T(kNaN));
  std::vector<float> mean(per_instance, kNaN), invstd(per_instance, kNaN), dgamma(gamma.size(), kNaN),
      dbeta(beta.size(), kNaN);
  const cudaError_t forward =
      norm::NormActForwardCuda(TypeOf<T>(), x.data.data(), gamma.data(), beta.data(), out.data(), mean.data(),
                               invstd.data(), workspace.data(), shape, params, nullptr);
  // The backward of both sides starts from the kernels' statistics, so it is compared on its own.
  const cudaError_t backward = norm::NormActBackwardCuda(
      TypeOf<T>(), dout.data.data(), x.data.data(), gamma.data(), beta.data(), mean.data(), invstd.data(), dx.data(),
      dgamma.data(), dbeta.data(), workspace.data(), shape, params, nullptr);

  std::vector<float> out_ref(count), mean_ref(per_instance), invstd_ref(per_instance), dx_ref(count),
      dgamma_ref(gamma.size()), dbeta_ref(beta.size());
  norm::NormActForwardCpu(x.exact.data(), gamma.data(), beta.data(), out_ref.data(), mean_ref.data(), invstd_ref.data(),
                          shape, params, norm::kKernelSplit);
  norm::NormActBackwardCpu(dout.exact.data(), x.exact.data(), gamma.data(), beta.data(), mean.data(), invstd.data(),
                           dx_ref.data(), dgamma_ref.data(), dbeta_ref.data(), shape, params, norm::kKernelSplit);

  // mean relative to the instance's spread (1 / invstd), invstd relative to itself.
  double r_mean = 0, r_invstd = 0;
  for (size_t i = 0; i < per_instance; ++i) {
    const double dm = std::fabs(static_cast<double>(mean[i]) - mean_ref[i]) * invstd_ref[i];
    const double di = std::fabs(static_cast<double>(invstd[i]) - invstd_ref[i]) / invstd_ref[i];
    r_mean = std::isnan(dm) ? HUGE_VAL : std::max(r_mean, dm);
    r_invstd = std::isnan(di) ? HUGE_VAL : std::max(r_invstd, di);
  }
  const double r_out = MaxRel(out, RoundedTo<T>(out_ref)), r_dx = MaxRel(dx, RoundedTo<T>(dx_ref));
  const double r_dgamma = MaxRel(dgamma, dgamma_ref), r_dbeta = MaxRel(dbeta, dbeta_ref);
  const double tol = RoundingOf<T>();
  const bool ok = forward == cudaSuccess && backward == cudaSuccess && r_mean < 2e-5 && r_invstd < 2e-5 &&
                  r_out < tol && r_dx < tol && r_dgamma < 1e-4 && r_dbeta < 1e-4;
  std::printf("  %s n=%lld c=%lld s=%lld: mean %.1e invstd %.1e out %.1e dx %.1e dgamma %.1e dbeta %.1e%s\n",
              NameOf<T>(), static_cast<long long>(k.n), static_cast<long long>(k.c), static_cast<long long>(k.s),
              r_mean, r_invstd, r_out, r_dx, r_dgamma, r_dbeta, ok ? "" : "  <- FAILS");
  return ok;
}

struct LossCase {
  int64_t n, k, s;
  bool channels_last;
};

loss::LossShape LossShapeOf(const LossCase& c) {
  if (c.channels_last) return loss::LossShape{c.n, c.k, c.s, c.s * c.k, 1, c.k};
  return loss::LossShape{c.n, c.k, c.s, c.k * c.s, c.s, 1};
}

// Statistics and logits gradient of one head; false (after printing) when a tolerance is missed.
template <typename T>
bool CheckLoss(const LossCase& c, uint32_t seed) {
  const loss::LossShape shape = LossShapeOf(c);
  const auto count = static_cast<size_t>(c.n * c.k * c.s), stats_count = static_cast<size_t>(c.n * c.k * 3);
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  std::uniform_int_distribution<int64_t> label(0, c.k - 1);
  const Buffer<T> logits = Make<T>(count, [&](size_t) { return 3 * normal(rng); });
  std::vector<int64_t> target(static_cast<size_t>(c.n * c.s));
  for (auto& t : target) t = label(rng);
  std::vector<float> g_stats(stats_count), g_ce{normal(rng)};
  for (auto& g : g_stats) g = normal(rng);
  std::vector<unsigned char> workspace(loss::StatsWorkspaceBytes(shape));

  std::vector<float> stats(stats_count, kNaN), ce_sum{kNaN};
  std::vector<T> dlogits(count, T(kNaN));
  const cudaError_t forward = loss::StatsForwardCuda(TypeOf<T>(), logits.data.data(), target.data(), stats.data(),
                                                     ce_sum.data(), workspace.data(), shape, nullptr);
  const cudaError_t backward = loss::StatsBackwardCuda(TypeOf<T>(), logits.data.data(), target.data(), g_stats.data(),
                                                       g_ce.data(), dlogits.data(), shape, nullptr);

  std::vector<float> stats_ref(stats_count), ce_ref(1), dlogits_ref(count);
  loss::StatsForwardCpu(logits.exact.data(), target.data(), stats_ref.data(), ce_ref.data(), shape);
  loss::StatsBackwardCpu(logits.exact.data(), target.data(), g_stats.data(), g_ce.data(), dlogits_ref.data(), shape);

  bool counts_exact = true;  // ysum counts labels: whole numbers, exact in fp32 at these sizes
  for (size_t i = 2; i < stats_count; i += 3) counts_exact = counts_exact && stats[i] == stats_ref[i];
  const double r_stats = MaxRel(stats, stats_ref), r_ce = MaxRel(ce_sum, ce_ref);
  const double r_grad = MaxRel(dlogits, RoundedTo<T>(dlogits_ref));
  const bool ok = forward == cudaSuccess && backward == cudaSuccess && counts_exact && r_stats < 1e-4 && r_ce < 1e-4 &&
                  r_grad < RoundingOf<T>();
  std::printf("  %s n=%lld k=%lld s=%lld %s: stats %.1e (label counts %s) CE %.1e dlogits %.1e%s\n", NameOf<T>(),
              static_cast<long long>(c.n), static_cast<long long>(c.k), static_cast<long long>(c.s),
              c.channels_last ? "NDHWC" : "NCDHW", r_stats, counts_exact ? "exact" : "WRONG", r_ce, r_grad,
              ok ? "" : "  <- FAILS");
  return ok;
}

// Runs `body` in a child process; true when the child was killed by SIGABRT (the emulation's verdict).
template <typename Body>
bool AbortsInChild(Body body) {
  std::fflush(stdout);
  const pid_t pid = fork();
  if (pid == 0) {
    std::freopen("/dev/null", "w", stderr);
    body();
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

__global__ void SumKernel(const float* in, float* out) {  // a block-wide tree sum, as the kernels do
  __shared__ float partial[64];
  partial[threadIdx.x] = in[blockIdx.x * blockDim.x + threadIdx.x];
  __syncthreads();
  for (unsigned width = blockDim.x / 2; width > 0; width /= 2) {
    if (threadIdx.x < width) partial[threadIdx.x] += partial[threadIdx.x + width];
    __syncthreads();
  }
  if (threadIdx.x == 0) out[blockIdx.x] = partial[0];
}

__global__ void EarlyReturnKernel(float* out) {  // wrong: thread 0 leaves before the barrier
  if (threadIdx.x == 0) return;
  __syncthreads();
  out[threadIdx.x] = 1;
}

__global__ void MarkKernel(int* marks) { marks[blockIdx.x * blockDim.x + threadIdx.x] += 1; }

}  // namespace

TEST("the emulation runs each thread of each block once, with shared memory and barriers") {
  std::vector<float> in(4 * 64), out(4, kNaN);
  for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<float>(i);
  PIPE_LAUNCH(SumKernel, 4, 64, nullptr, in.data(), out.data());
  CHECK(cudaGetLastError() == cudaSuccess);
  for (int b = 0; b < 4; ++b) CHECK(out[b] == static_cast<float>(64 * 64 * b + 63 * 64 / 2));
  std::vector<int> marks(3 * 5 * 2 * 32, 0);
  PIPE_LAUNCH(MarkKernel, dim3(3 * 5 * 2), 32, nullptr, marks.data());
  bool once = true;
  for (const int m : marks) once = once && m == 1;
  CHECK(once);
}

TEST("the emulation refuses what a GPU refuses: oversized blocks and grids, and divergent __syncthreads()") {
  std::vector<int> marks(2048, 0);
  PIPE_LAUNCH(MarkKernel, 1, 1025, nullptr, marks.data());
  CHECK(cudaGetLastError() == cudaErrorInvalidConfiguration);
  PIPE_LAUNCH(MarkKernel, dim3(1, 65536), 1, nullptr, marks.data());
  CHECK(cudaGetLastError() == cudaErrorInvalidConfiguration);
  CHECK(cudaGetLastError() == cudaSuccess);  // reading the error clears it
  bool untouched = true;
  for (const int m : marks) untouched = untouched && m == 0;
  CHECK(untouched);
  CHECK(AbortsInChild([] {
    std::vector<float> out(32);
    PIPE_LAUNCH(EarlyReturnKernel, 1, 32, nullptr, out.data());
  }));
}

TEST("fused norm kernels: forward and backward as the CPU reference, odd and Task03 shapes, fp32 / fp16 / bf16") {
  const std::vector<NormCase> cases = {
      {1, 1, 1},     {2, 3, 7},      // one voxel; fewer voxels than rows
      {1, 33, 513},  {2, 40, 1031},  // a channel tile of 1, 8 channels; one voxel past a chunk, a partial chunk
      {3, 64, 1024}, {1, 65, 600},   // whole tiles and chunks; 3 tiles
      {2, 320, 64},                  // Task03's bottleneck (320 channels at 4^3)
  };
  uint32_t seed = 1;
  for (const auto& k : cases) {
    CHECK(CheckNorm<float>(k, seed++));
    CHECK(CheckNorm<__half>(k, seed++));
    CHECK(CheckNorm<__nv_bfloat16>(k, seed++));
  }
  CHECK(CheckNorm<__nv_bfloat16>({2, 32, 32 * 32 * 32}, seed++));  // Task03's first level at 32^3 (64 chunks)
}

TEST("fused norm kernels: no voxels gives zero parameter gradients; too many instances is refused") {
  std::vector<float> dgamma(5, kNaN), dbeta(5, kNaN), gamma(5, 1);
  const norm::NormActShape empty{2, 5, 0};
  CHECK(norm::NormActBackwardCuda(ElementType::kFloat32, nullptr, nullptr, gamma.data(), gamma.data(), nullptr, nullptr,
                                  nullptr, dgamma.data(), dbeta.data(), nullptr, empty, {1e-5f, 1e-2f},
                                  nullptr) == cudaSuccess);
  bool zeros = true;
  for (size_t i = 0; i < 5; ++i) zeros = zeros && dgamma[i] == 0.f && dbeta[i] == 0.f;
  CHECK(zeros);
  const norm::NormActShape too_many{65536, 4, 8};  // the grid's z dimension
  CHECK(norm::NormActForwardCuda(ElementType::kFloat32, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr,
                                 too_many, {1e-5f, 1e-2f}, nullptr) == cudaErrorInvalidValue);
}

TEST("fused loss kernels: sums, CE and logits gradient as the CPU reference, both layouts, K = 2..8, fp32/16/bf16") {
  const std::vector<LossCase> cases = {
      {1, 2, 1, false},    {2, 3, 4097, false},  // one voxel; one voxel past a block's chunk
      {2, 3, 4097, true},  {1, 8, 300, true},    // channels-last; the most classes the kernels hold
      {3, 2, 8192, false}, {2, 3, 9000, true},   // whole chunks; Task03's 3 classes over 3 chunks
  };
  uint32_t seed = 100;
  for (const auto& c : cases) CHECK(CheckLoss<float>(c, seed++));
  for (const auto& c : {cases[1], cases[3]}) {  // the loads and stores of the half types (a barrier costs ~1 ms here)
    CHECK(CheckLoss<__half>(c, seed++));
    CHECK(CheckLoss<__nv_bfloat16>(c, seed++));
  }
}

TEST("fused loss kernels: no voxels gives zero sums; more classes than registers is refused") {
  const loss::LossShape empty{2, 3, 0, 0, 0, 1};
  std::vector<float> stats(2 * 3 * 3, kNaN), ce{kNaN};
  CHECK(loss::StatsForwardCuda(ElementType::kFloat32, nullptr, nullptr, stats.data(), ce.data(), nullptr, empty,
                               nullptr) == cudaSuccess);
  bool zeros = ce[0] == 0.f;
  for (const float s : stats) zeros = zeros && s == 0.f;
  CHECK(zeros);
  const loss::LossShape nine{1, 9, 4, 36, 4, 1};
  CHECK(loss::StatsForwardCuda(ElementType::kFloat32, nullptr, nullptr, nullptr, nullptr, nullptr, nine, nullptr) ==
        cudaErrorInvalidValue);
}

RUN_TESTS()

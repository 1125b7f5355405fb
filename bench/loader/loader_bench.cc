// bench/loader: samples/s of the native patch loader (recipe defaults: 205^3 source -> 128^3 patch,
// batch 2, full augmentation chain, N worker threads) against a LibTorch reference training step
// (forward + backward + SGD of a small 3D conv net on the same batch), both alone, same machine,
// same thread count. Also times the loader's pieces and LibTorch's trilinear grid_sample as the
// alternative spatial transform. Last line: BENCH loader ratio=<loader/step> ...
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "core/augment.h"
#include "core/device.h"
#include "core/loader.h"
#include "core/loader_prefetch.h"

using namespace pipe_core;
namespace F = torch::nn::functional;

namespace {

double Now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// CPU seconds of this thread / of the whole process: independent of other load on the machine.
double ThreadCpu() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}
double ProcessCpu() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

struct Args {
  int threads = 2;
  int batches = 12;
  int steps = 2;
  int64_t patch = 128;
  int64_t volume = 300;
};

Args Parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const long v = std::strtol(argv[i + 1], nullptr, 10);
    if (k == "--threads")
      a.threads = static_cast<int>(v);
    else if (k == "--batches")
      a.batches = static_cast<int>(v);
    else if (k == "--steps")
      a.steps = static_cast<int>(v);
    else if (k == "--patch")
      a.patch = v;
    else if (k == "--volume")
      a.volume = v;
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      std::exit(2);
    }
  }
  return a;
}

// A CT-like synthetic case: smooth structures plus noise, body mask (-1 outside), a liver-sized
// sphere (label 1) with a tumour (label 2), class locations like the preprocess stage stores.
struct Synthetic {
  std::vector<float> image;
  std::vector<int8_t> label;
  LoaderCase view;
};

Synthetic MakeCase(int64_t n) {
  Synthetic s;
  const int64_t vox = n * n * n;
  s.image.resize(static_cast<size_t>(vox));
  s.label.resize(static_cast<size_t>(vox));
  AugmentRng rng(1);
  ClassLocations liver{1, {}}, tumour{2, {}};
  for (int64_t z = 0; z < n; ++z)
    for (int64_t y = 0; y < n; ++y)
      for (int64_t x = 0; x < n; ++x) {
        const double fz = static_cast<double>(z) / n, fy = static_cast<double>(y) / n, fx = static_cast<double>(x) / n;
        const double body =
            (fz - 0.5) * (fz - 0.5) / 0.22 + (fy - 0.5) * (fy - 0.5) / 0.2 + (fx - 0.5) * (fx - 0.5) / 0.24;
        int8_t l = body > 1.0 ? -1 : 0;
        const double rl = std::sqrt((fz - 0.45) * (fz - 0.45) + (fy - 0.4) * (fy - 0.4) + (fx - 0.55) * (fx - 0.55));
        if (rl < 0.2) l = 1;
        const double rt = std::sqrt((fz - 0.5) * (fz - 0.5) + (fy - 0.35) * (fy - 0.35) + (fx - 0.6) * (fx - 0.6));
        if (rt < 0.04) l = 2;
        const int64_t i = (z * n + y) * n + x;
        s.label[static_cast<size_t>(i)] = l;
        s.image[static_cast<size_t>(i)] = static_cast<float>(std::sin(20 * fz) * std::cos(17 * fy) * std::sin(13 * fx) +
                                                             0.8 * (l > 0 ? l : 0) + 0.2 * rng.Normal());
        if (l == 1 && rng.Uniform() < 0.01 && liver.voxels.size() < 10000) liver.voxels.push_back({z, y, x});
        if (l == 2 && rng.Uniform() < 0.1 && tumour.voxels.size() < 10000) tumour.voxels.push_back({z, y, x});
      }
  s.view.id = "synthetic_" + std::to_string(n);
  s.view.volume = Volume{s.image.data(), s.label.data(), 1, {n, n, n}};
  s.view.class_locations = {liver, tumour};
  return s;
}

// Mean wall and CPU seconds of one AugmentSample over `reps` calls (single thread).
struct Timing {
  double wall = 0.0, cpu = 0.0;
};
Timing TimeSample(const AugmentParams& params, const SourceWindow& w, const Shape3& patch, int reps) {
  AugmentScratch scratch;
  std::vector<float> out(static_cast<size_t>(patch[0] * patch[1] * patch[2]));
  std::vector<int8_t> lab(out.size());
  AugmentRng warm(0);
  AugmentSample(params, w, patch, warm, out.data(), lab.data(), &scratch);
  const double t0 = Now(), c0 = ThreadCpu();
  for (int i = 0; i < reps; ++i) {
    AugmentRng rng = AugmentRng::ForSample(3, 0, i, 0);
    AugmentSample(params, w, patch, rng, out.data(), lab.data(), &scratch);
  }
  return Timing{(Now() - t0) / reps, (ThreadCpu() - c0) / reps};
}

struct RefNet : torch::nn::Module {
  torch::nn::Conv3d c1{nullptr}, c2{nullptr}, c4{nullptr};
  torch::nn::ConvTranspose3d up{nullptr};
  torch::nn::InstanceNorm3d n1{nullptr}, n2{nullptr}, n3{nullptr};
  RefNet() {
    c1 = register_module("c1", torch::nn::Conv3d(torch::nn::Conv3dOptions(1, 16, 3).padding(1)));
    n1 = register_module("n1", torch::nn::InstanceNorm3d(torch::nn::InstanceNorm3dOptions(16).affine(true)));
    c2 = register_module("c2", torch::nn::Conv3d(torch::nn::Conv3dOptions(16, 32, 3).stride(2).padding(1)));
    n2 = register_module("n2", torch::nn::InstanceNorm3d(torch::nn::InstanceNorm3dOptions(32).affine(true)));
    up = register_module(
        "up", torch::nn::ConvTranspose3d(torch::nn::ConvTranspose3dOptions(32, 16, 2).stride(2).bias(false)));
    n3 = register_module("n3", torch::nn::InstanceNorm3d(torch::nn::InstanceNorm3dOptions(16).affine(true)));
    c4 = register_module("c4", torch::nn::Conv3d(torch::nn::Conv3dOptions(16, 3, 1)));
  }
  torch::Tensor forward(torch::Tensor x) {
    auto a = F::leaky_relu(n1(c1(x)), F::LeakyReLUFuncOptions().negative_slope(0.01));
    auto b = F::leaky_relu(n2(c2(a)), F::LeakyReLUFuncOptions().negative_slope(0.01));
    auto u = F::leaky_relu(n3(up(b)), F::LeakyReLUFuncOptions().negative_slope(0.01));
    return c4(u + a);
  }
};

}  // namespace

int main(int argc, char** argv) {
  const Args args = Parse(argc, argv);
  pipe_core::SetThreads(args.threads);
  at::set_num_interop_threads(1);
  const Shape3 patch{args.patch, args.patch, args.patch};
  AugmentParams defaults;
  const Shape3 source = ReferenceSourcePatchSize(patch, defaults);
  std::printf(
      "loader bench: volume 1x%lld^3, patch %lld^3, source patch %lld^3, batch 2, %d threads (loader pool and "
      "LibTorch)\n",
      static_cast<long long>(args.volume), static_cast<long long>(args.patch), static_cast<long long>(source[0]),
      args.threads);
  std::fflush(stdout);

  double t0 = Now();
  Synthetic c = MakeCase(args.volume);
  std::printf("synthetic case made in %.1f s\n", Now() - t0);

  // --- pieces, single thread ---
  SourceWindow w{c.view.volume, {40, 40, 40}, source};
  const Timing crop_s = TimeSample(NoAugmentation(), w, patch, 5);
  AugmentParams spatial = NoAugmentation();
  spatial.do_rotation = spatial.do_scale = true;
  spatial.p_rotation = spatial.p_scale = 1.0;
  const Timing warp_s = TimeSample(spatial, w, patch, 3);
  AugmentParams everything = defaults;
  everything.p_rotation = everything.p_scale = everything.p_noise = everything.p_blur = 1.0;
  everything.blur_p_per_channel = everything.low_resolution_p_per_channel = 1.0;
  everything.p_brightness = everything.p_contrast = everything.p_low_resolution = everything.p_inverted_gamma = 1.0;
  everything.p_gamma = 1.0;
  const Timing all_s = TimeSample(everything, w, patch, 2);
  const Timing default_s = TimeSample(defaults, w, patch, 48);
  std::printf(
      "one sample, 1 thread, wall / CPU ms: centre crop only %.1f / %.1f | rotation+scale warp %.1f / %.1f | every "
      "transform fired %.1f / %.1f | recipe defaults (mean of 48) %.1f / %.1f\n",
      crop_s.wall * 1e3, crop_s.cpu * 1e3, warp_s.wall * 1e3, warp_s.cpu * 1e3, all_s.wall * 1e3, all_s.cpu * 1e3,
      default_s.wall * 1e3, default_s.cpu * 1e3);

  // --- the loader pool alone ---
  LoaderParams lp;
  lp.patch_size = patch;
  lp.source_patch_size = source;
  lp.batch_size = 2;
  lp.seed = 7;
  auto loader = std::make_shared<const PatchLoader>(std::vector<LoaderCase>{c.view}, lp);
  double loader_sps = 0.0, loader_cpu_per_sample = 0.0;
  {
    PrefetchLoader pool(loader, PrefetchOptions{args.threads, 2 * args.threads, 0});
    for (int i = 0; i < args.threads; ++i) pool.Recycle(pool.Next());  // warm-up: first batch per thread
    t0 = Now();
    const double c0 = ProcessCpu();
    for (int i = 0; i < args.batches; ++i) pool.Recycle(pool.Next());
    const double dt = Now() - t0;
    loader_sps = 2.0 * args.batches / dt;
    loader_cpu_per_sample = (ProcessCpu() - c0) / (2.0 * args.batches);  // approximate: the pool runs ahead
    std::printf("loader pool: %d batches in %.2f s -> %.2f samples/s (%.2f per thread); about %.1f CPU ms per sample\n",
                args.batches, dt, loader_sps, loader_sps / args.threads, loader_cpu_per_sample * 1e3);
  }

  // --- LibTorch trilinear grid_sample as the alternative spatial transform (CPU here) ---
  double grid_s = 0.0;
  {
    torch::NoGradGuard no_grad;
    auto src = torch::from_blob(c.image.data(), {1, 1, args.volume, args.volume, args.volume}, torch::kFloat)
                   .slice(2, 40, 40 + source[0])
                   .slice(3, 40, 40 + source[1])
                   .slice(4, 40, 40 + source[2])
                   .contiguous();
    const double a = 0.3, s = 0.9;
    auto theta = torch::tensor({{s * std::cos(a), -s * std::sin(a), 0.0, 0.0},
                                {s * std::sin(a), s * std::cos(a), 0.0, 0.0},
                                {0.0, 0.0, s, 0.0}},
                               torch::kFloat)
                     .mul(static_cast<double>(patch[0]) / source[0])
                     .unsqueeze(0);
    auto run = [&] {
      auto grid = F::affine_grid(theta, {1, 1, patch[0], patch[1], patch[2]}, false);
      return F::grid_sample(
          src, grid,
          F::GridSampleFuncOptions().mode(torch::kBilinear).padding_mode(torch::kZeros).align_corners(false));
    };
    run();
    t0 = Now();
    for (int i = 0; i < 3; ++i) run();
    grid_s = (Now() - t0) / 3;
    std::printf(
        "LibTorch grid_sample trilinear 205^3 -> 128^3 on CPU (%d threads): %.1f ms wall (ours, cubic B-spline + "
        "labels incl. copy and prefilter, 1 thread: %.1f ms wall)\n",
        args.threads, grid_s * 1e3, warp_s.wall * 1e3);
  }

  // --- the reference training step alone ---
  double step_sps = 0.0;
  {
    torch::manual_seed(0);
    auto net = std::make_shared<RefNet>();
    torch::optim::SGD opt(net->parameters(), torch::optim::SGDOptions(0.01).momentum(0.99).nesterov(true));
    auto x = torch::randn({2, 1, patch[0], patch[1], patch[2]});
    auto y = torch::randint(0, 3, {2, patch[0], patch[1], patch[2]}, torch::kLong);
    auto step = [&] {
      opt.zero_grad();
      auto loss = F::cross_entropy(net->forward(x), y);
      loss.backward();
      opt.step();
      return loss.item<float>();
    };
    step();
    t0 = Now();
    for (int i = 0; i < args.steps; ++i) step();
    const double dt = (Now() - t0) / args.steps;
    step_sps = 2.0 / dt;
    std::printf(
        "reference step (LibTorch %s, CPU, %d threads; conv3d 1-16 s1, 16-32 s2, convT 32-16, 1x1 16-3, InstanceNorm, "
        "LeakyReLU, CE, SGD): %.2f s per batch of 2 -> %.3f samples/s\n",
        TORCH_VERSION, args.threads, dt, step_sps);
  }

  const double gpu_target = 10.0;  // target: >= 10 samples/s on one H100
  const double cores_needed = gpu_target * default_s.cpu;
  std::printf(
      "the H100 target step rate is %.0f samples/s: at %.1f CPU ms per sample (recipe defaults) the loader needs %.2f "
      "cores for it\n",
      gpu_target, default_s.cpu * 1e3, cores_needed);
  std::printf(
      "BENCH loader ratio=%.3f loader_sps=%.3f step_sps=%.4f threads=%d patch=%lld source=%lld volume=%lld "
      "crop_cpu_ms=%.1f warp_cpu_ms=%.1f default_sample_cpu_ms=%.1f grid_sample_trilinear_ms=%.1f "
      "cores_for_10sps=%.2f\n",
      loader_sps / step_sps, loader_sps, step_sps, args.threads, static_cast<long long>(patch[0]),
      static_cast<long long>(source[0]), static_cast<long long>(args.volume), crop_s.cpu * 1e3, warp_s.cpu * 1e3,
      default_s.cpu * 1e3, grid_s * 1e3, cores_needed);
  return 0;
}

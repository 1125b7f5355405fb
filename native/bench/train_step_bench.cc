// Times one training step (forward over all heads, deep-supervision DC+CE, backward, clip 12, SGD Nesterov step) of
// a fixed plan on fixed random data -- the native half of bench/train_step (the Python half is train_step.py).
// Usage: train_step_bench <threads> <base> <npool> <patch> <batch> <warmup> <steps> [device]
// Env: CUDNN_BENCHMARK=1 turns cuDNN autotuning on (as train_step.py does with the same variable); CHANNELS_LAST
// (off|on|auto, default auto as in training: NDHWC on CUDA where the fused norm kernels run); ROUNDS (1): timed
// rounds of <steps> steps each, the median reported with the spread; PROFILE_TRACE=<path>: afterwards profile
// PROFILE_STEPS (3) more steps and write a Chrome trace there (bench/train_step/kernel_table.py tabulates it).
// Prints "round <i> <ms per step>" per round, "native <median ms per step> <samples/s> ... spread_ms=<min>..<max>
// peak_mem_gib=<CUDA allocator peak over the timed rounds, n/a off CUDA>" and the timed window as
// "TIMED_WINDOW <start ms> <end ms>" (Unix epoch ms, for the GPU-utilisation sampler of native/scripts/gpu-check.sh).
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/channels_last.h"
#include "core/device.h"
#include "core/loss.h"
#include "core/loss_scaler.h"
#include "core/sgd_step.h"
#include "core/unetpp.h"
#include "step_profile.h"

static long long EpochMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int main(int argc, char** argv) {
  if (argc < 8) {
    std::fprintf(stderr, "usage: %s threads base npool patch batch warmup steps [device] [amp]\n", argv[0]);
    return 2;
  }
  const int threads = std::atoi(argv[1]);
  const int64_t base = std::atoll(argv[2]), npool = std::atoll(argv[3]), patch = std::atoll(argv[4]),
                batch = std::atoll(argv[5]), warmup = std::atoll(argv[6]), steps = std::atoll(argv[7]);
  const std::string device_name = argc > 8 ? argv[8] : "cpu";
  const std::string amp_name = argc > 9 ? argv[9] : "off";
  pipe_core::SetThreads(threads);
  const char* cudnn_benchmark = std::getenv("CUDNN_BENCHMARK");
  at::globalContext().setBenchmarkCuDNN(cudnn_benchmark && std::string(cudnn_benchmark) == "1");
  const torch::Device device = pipe_core::ParseDevice(device_name);
  const pipe_core::AmpMode amp = pipe_core::ResolveAmp(amp_name, device);
  pipe_core::NetworkPlan plan;
  plan.in_channels = 1;
  plan.num_classes = 3;
  plan.base_features = base;
  plan.max_features = 320;
  plan.pool_kernels.assign(npool, {2, 2, 2});
  plan.conv_kernels.assign(npool + 1, {3, 3, 3});
  torch::manual_seed(0);
  pipe_core::UNetPlusPlus net(plan);
  net->to(device);
  net->train();
  // CHANNELS_LAST=off|on|auto (auto, as TrainOptions): NDHWC weights and input on CUDA, as core::Train lays them out.
  const char* cl_env = std::getenv("CHANNELS_LAST");
  const bool channels_last = pipe_core::UseChannelsLast(cl_env ? cl_env : "auto", device);
  if (channels_last) pipe_core::ToChannelsLast(*net);
  torch::optim::SGD opt(net->parameters(),
                        torch::optim::SGDOptions(0.01).momentum(0.99).nesterov(true).weight_decay(3e-5));
  auto x = torch::randn({batch, 1, patch, patch, patch}).to(device);
  if (channels_last) x = x.contiguous(at::MemoryFormat::ChannelsLast3d);
  const auto y = torch::randint(0, 3, {batch, patch, patch, patch}, torch::kLong).to(device);
  pipe_core::LossOptions lo;
  auto params = net->parameters();
  pipe_core::LossScaler scaler(amp == pipe_core::AmpMode::kFp16);
  auto step = [&]() {
    opt.zero_grad();
    std::vector<torch::Tensor> heads;
    {
      pipe_core::AutocastScope autocast(device, amp);
      heads = net->forward(x);
    }
    auto loss = pipe_core::DeepSupervisionLoss(heads, y, lo);
    scaler.Backward(loss.total, params);  // as TrainStep: fp16 through the loss scaler
    pipe_core::ClipAndStep(params, 12.0, scaler, opt);
    return loss.total.item<double>();
  };
  const char* rounds_env = std::getenv("ROUNDS");
  const int64_t rounds = std::max<int64_t>(1, rounds_env ? std::atoll(rounds_env) : 1);
  for (int64_t i = 0; i < warmup; ++i) step();
  pipe_core::Synchronize(device);
  pipe_bench::ResetPeakMemory(device);
  std::vector<double> round_ms;
  const auto start_ms = EpochMs();
  for (int64_t r = 0; r < rounds; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int64_t i = 0; i < steps; ++i) step();
    pipe_core::Synchronize(device);
    round_ms.push_back(1000.0 * std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / steps);
    std::printf("round %lld %.3f\n", static_cast<long long>(r + 1), round_ms.back());
  }
  std::printf("TIMED_WINDOW %lld %lld\n", start_ms, EpochMs());
  const double peak_gib = pipe_bench::PeakMemoryGiB(device);
  std::vector<double> sorted = round_ms;
  std::sort(sorted.begin(), sorted.end());
  const double median =
      sorted.size() % 2 ? sorted[sorted.size() / 2] : 0.5 * (sorted[sorted.size() / 2 - 1] + sorted[sorted.size() / 2]);
  char peak[32] = "n/a";
  if (peak_gib >= 0) std::snprintf(peak, sizeof peak, "%.2f", peak_gib);
  std::printf(
      "native %.3f %.3f amp=%s channels_last=%d threads=%d cudnn_benchmark=%d rounds=%lld spread_ms=%.1f..%.1f "
      "peak_mem_gib=%s\n",
      median, 1000.0 * batch / median, pipe_core::AmpName(amp), channels_last ? 1 : 0, at::get_num_threads(),
      at::globalContext().benchmarkCuDNN() ? 1 : 0, static_cast<long long>(rounds), sorted.front(), sorted.back(),
      peak);
  std::fflush(stdout);
  if (const char* trace = std::getenv("PROFILE_TRACE")) {
    const char* profile_steps = std::getenv("PROFILE_STEPS");
    const int64_t n = std::max<int64_t>(1, profile_steps ? std::atoll(profile_steps) : 3);
    const std::string used = pipe_bench::ProfileSteps(trace, n, device, [&]() { step(); });
    std::printf("profile %s steps=%lld trace=%s\n", used.c_str(), static_cast<long long>(n), trace);
  }
  return 0;
}

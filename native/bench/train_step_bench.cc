// Times one training step (forward over all heads, deep-supervision DC+CE, backward, clip 12, SGD Nesterov step) of
// a fixed plan on fixed random data -- the native half of bench/train_step (the Python half is train_step.py).
// Usage: train_step_bench <threads> <base> <npool> <patch> <batch> <warmup> <steps> [device]
// Env: CUDNN_BENCHMARK=1 turns cuDNN autotuning on (as train_step.py does with the same variable).
// Prints "native <ms per step> <samples/s>" and the timed window as "TIMED_WINDOW <start ms> <end ms>" (Unix epoch
// ms, for the GPU-utilisation sampler of native/scripts/gpu-check.sh).
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/device.h"
#include "core/loss.h"
#include "core/unetpp.h"

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
  torch::optim::SGD opt(net->parameters(),
                        torch::optim::SGDOptions(0.01).momentum(0.99).nesterov(true).weight_decay(3e-5));
  const auto x = torch::randn({batch, 1, patch, patch, patch}).to(device);
  const auto y = torch::randint(0, 3, {batch, patch, patch, patch}, torch::kLong).to(device);
  pipe_core::LossOptions lo;
  auto params = net->parameters();
  auto step = [&]() {
    opt.zero_grad();
    std::vector<torch::Tensor> heads;
    {
      pipe_core::AutocastScope autocast(device, amp);
      heads = net->forward(x);
    }
    auto loss = pipe_core::DeepSupervisionLoss(heads, y, lo);
    loss.total.backward();
    torch::nn::utils::clip_grad_norm_(params, 12.0);
    opt.step();
    return loss.total.item<double>();
  };
  for (int64_t i = 0; i < warmup; ++i) step();
  pipe_core::Synchronize(device);
  const auto start_ms = EpochMs();
  const auto t0 = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < steps; ++i) step();
  pipe_core::Synchronize(device);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("TIMED_WINDOW %lld %lld\n", start_ms, EpochMs());
  std::printf("native %.3f %.3f amp=%s threads=%d cudnn_benchmark=%d\n", 1000.0 * s / steps, batch * steps / s,
              pipe_core::AmpName(amp), at::get_num_threads(), at::globalContext().benchmarkCuDNN() ? 1 : 0);
  return 0;
}

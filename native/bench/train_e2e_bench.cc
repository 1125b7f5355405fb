// End-to-end training throughput through core::Train, data loader included: generated phantom cases (large enough
// for the enlarged source patch), augmentation "full" in the native loader pool, AMP as asked, one epoch of
// warmup + steps iterations. Samples/s are taken between the end of the last warm-up iteration and the end of the
// last iteration (every iteration event follows its finished step: on CUDA the trainer reads a step's loss once the
// next step is queued, core/loss_readback.h, and waits for that step only).
// Usage: train_e2e_bench [device=cpu amp=auto channels_last=auto patch=128 batch=2 base=32 max=320 npool=5 pool=..
// conv=..
//                         cases=4 case_size=224 warmup=3 steps=20 loader_threads=0 threads=0 dir=/tmp/...]
// Env: CUDNN_BENCHMARK=1 turns cuDNN autotuning on (process-wide, so for core::Train too).
// Prints "TIMED_WINDOW <start ms> <end ms>" (Unix epoch ms) and "e2e <samples/s> ..." with the loader threads, the
// source patch and loader_wait_pct: the share of the timed window the steps waited for a batch (the loader threads
// keep up when it is near 0). Exits non-zero on failure or a non-finite loss.
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "../tests/phantom.h"
#include "bench_args.h"
#include "core/trainer.h"

namespace {

long long EpochMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const pipe_bench::Args args(argc, argv);
    pipe_core::TrainOptions o;
    o.network = pipe_bench::PlanFromArgs(args);
    o.device = args.Str("device", "cpu");
    o.amp = args.Str("amp", "auto");
    o.channels_last = args.Str("channels_last", "auto");
    o.patch = pipe_bench::ParseAxes(args.Str("patch", "128"), "patch");
    o.batch_size = args.Int("batch", 2);
    const int64_t n_cases = args.Int("cases", 4), case_size = args.Int("case_size", 224);
    const int64_t warmup = args.Int("warmup", 3), steps = args.Int("steps", 20);
    o.augmentation.loader_threads = static_cast<int>(args.Int("loader_threads", 0));
    o.threads = static_cast<int>(args.Int("threads", 0));
    std::string dir = args.Str("dir", "");
    args.CheckAllUsed();
    if (warmup < 1 || steps < 1) throw std::invalid_argument("expected warmup >= 1 and steps >= 1");
    const char* cudnn_benchmark = std::getenv("CUDNN_BENCHMARK");
    at::globalContext().setBenchmarkCuDNN(cudnn_benchmark && std::string(cudnn_benchmark) == "1");

    if (dir.empty())
      dir = pipe_test::TempDir("e2e");
    else if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
      throw std::runtime_error("cannot create " + dir);
    const auto t_cases = std::chrono::steady_clock::now();
    for (int64_t i = 0; i < n_cases; ++i)
      o.train_cases.push_back(pipe_test::WritePhantom(dir, "e" + std::to_string(i), case_size, 100 + i));
    const double case_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_cases).count();
    o.out_dir = dir + "/out";
    if (mkdir(o.out_dir.c_str(), 0755) != 0 && errno != EEXIST) throw std::runtime_error("cannot create " + o.out_dir);
    o.augmentation.pipeline = "full";
    o.epochs = 1;
    o.iterations_per_epoch = warmup + steps;
    o.val_iterations = 0;
    o.checkpoint_every = 0;
    o.progress_every = 1;

    std::vector<std::chrono::steady_clock::time_point> ends;
    std::vector<double> losses, loader_waits;
    long long start_ms = 0, end_ms = 0;
    auto r = pipe_core::Train(
        o,
        [&](const pipe_core::ProgressEvent& e) {
          if (e.kind != "iteration") return;
          ends.push_back(std::chrono::steady_clock::now());
          losses.push_back(e.loss);
          loader_waits.push_back(e.loader_wait_s);
          if (static_cast<int64_t>(ends.size()) == warmup) start_ms = EpochMs();
          if (static_cast<int64_t>(ends.size()) == warmup + steps) end_ms = EpochMs();  // before the final checkpoint
        },
        nullptr);
    if (static_cast<int64_t>(ends.size()) != warmup + steps)
      throw std::runtime_error("expected " + std::to_string(warmup + steps) + " iteration events but saw " +
                               std::to_string(ends.size()));
    for (double l : losses)
      if (!std::isfinite(l)) throw std::runtime_error("non-finite training loss");
    const double timed = std::chrono::duration<double>(ends.back() - ends[warmup - 1]).count();
    const double sps = static_cast<double>(steps * o.batch_size) / timed;
    const double warm = std::chrono::duration<double>(ends[warmup - 1] - ends.front()).count();
    // Time the timed steps stood still for want of a batch: near 0 when the loader threads keep up.
    const double loader_wait = loader_waits.back() - loader_waits[warmup - 1];
    std::printf("TIMED_WINDOW %lld %lld\n", start_ms, end_ms);
    std::printf(
        "e2e %.3f samples/s (%lld timed iterations x batch %lld in %.2f s; warm-up %lld iterations) "
        "device=%s amp=%s channels_last=%s loader_threads=%d source_patch=%lldx%lldx%lld patch=%lldx%lldx%lld "
        "cases=%lld of %lld^3 (written in %.1f s) loss %.4f -> %.4f train_total_s=%.1f warmup_tail_s=%.2f "
        "loader_wait_s=%.2f loader_wait_pct=%.1f\n",
        sps, static_cast<long long>(steps), static_cast<long long>(o.batch_size), timed, static_cast<long long>(warmup),
        r.device.c_str(), r.amp.c_str(), o.channels_last.c_str(), r.loader_threads,
        static_cast<long long>(r.source_patch[0]), static_cast<long long>(r.source_patch[1]),
        static_cast<long long>(r.source_patch[2]), static_cast<long long>(o.patch[0]),
        static_cast<long long>(o.patch[1]), static_cast<long long>(o.patch[2]), static_cast<long long>(n_cases),
        static_cast<long long>(case_size), case_s, losses.front(), losses.back(), r.seconds, warm, loader_wait,
        timed > 0 ? 100 * loader_wait / timed : 0.0);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "train_e2e_bench: %s\n", e.what());
    return 1;
  }
}

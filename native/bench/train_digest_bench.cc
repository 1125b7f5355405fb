// Prints the weights digest of a short, fully seeded training on CPU with the product's augmentation ("full"),
// online validation included, one intra-op and one loader thread: a refactor of the training path must leave this
// line unchanged. Not a benchmark of speed; it lives with the benches because it is a tool, not a pass/fail test
// (the digest depends on the LibTorch build).
// Usage: train_digest_bench [epochs=2 iterations=3 seed=11 dir=/tmp/... channels_last=off (on/auto: CUDA only)]
// Prints "DIGEST <weights digest> epochs=... iterations=... seed=... val_dice=<last pseudo-Dice>".
#include <cstdio>

#include "../tests/phantom.h"
#include "bench_args.h"
#include "core/trainer.h"

int main(int argc, char** argv) {
  try {
    const pipe_bench::Args args(argc, argv);
    const int64_t epochs = args.Int("epochs", 2), iterations = args.Int("iterations", 3);
    const int64_t seed = args.Int("seed", 11);
    std::string dir = args.Str("dir", "");
    const std::string channels_last = args.Str("channels_last", "off");  // CPU: must not change the digest
    args.CheckAllUsed();
    if (dir.empty()) dir = pipe_test::TempDir("digest");
    pipe_core::TrainOptions o;
    o.network = pipe_test::TinyNetwork();
    for (int i = 0; i < 3; ++i) {
      const auto c = pipe_test::WritePhantom(dir, "d" + std::to_string(i), 24, 40 + i);
      (i < 2 ? o.train_cases : o.val_cases).push_back(c);
    }
    o.out_dir = dir;
    o.patch = {16, 16, 16};
    o.batch_size = 2;
    o.epochs = epochs;
    o.iterations_per_epoch = iterations;
    o.val_iterations = 2;
    o.augmentation.pipeline = "full";
    o.augmentation.loader_threads = 1;
    o.threads = 1;
    o.seed = static_cast<uint64_t>(seed);
    o.checkpoint_every = 0;
    o.channels_last = channels_last;
    const auto r = pipe_core::Train(o, nullptr, nullptr);
    std::printf("DIGEST %s epochs=%lld iterations=%lld seed=%lld augmentation=%s channels_last=%s val_dice=%.6f\n",
                r.weights_digest.c_str(), static_cast<long long>(epochs), static_cast<long long>(iterations),
                static_cast<long long>(seed), r.augmentation.c_str(), channels_last.c_str(),
                r.pseudo_dice.empty() ? -1.0 : r.pseudo_dice.back());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "train_digest_bench: %s\n", e.what());
    return 1;
  }
}

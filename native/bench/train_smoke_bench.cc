// Trains a few iterations of a small UNet++ on synthetic phantoms through core::Train on a given device (the GPU
// check's "does training run on CUDA with AMP" step), then reloads the final checkpoint and predicts one case.
// Usage: train_smoke_bench <device> <amp> <iterations> [patch edge = 64] [base features = 16].
// Exits non-zero on any failure or a non-finite loss.
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "../tests/phantom.h"
#include "core/checkpoint.h"
#include "core/sliding_window.h"
#include "core/trainer.h"

int main(int argc, char** argv) {
  const std::string device = argc > 1 ? argv[1] : "cpu";
  const std::string amp = argc > 2 ? argv[2] : "auto";
  const int64_t iterations = argc > 3 ? std::atoll(argv[3]) : 10;
  const int64_t edge = argc > 4 ? std::atoll(argv[4]) : 64;
  const int64_t base = argc > 5 ? std::atoll(argv[5]) : 16;
  const std::string dir = pipe_test::TempDir("smoke");
  std::vector<pipe_core::CaseSource> cases;
  for (int i = 0; i < 3; ++i) cases.push_back(pipe_test::WritePhantom(dir, "s" + std::to_string(i), edge, 10 + i));
  pipe_core::TrainOptions o;
  o.network.in_channels = 1;
  o.network.num_classes = 3;
  o.network.base_features = base;
  o.network.max_features = 128;
  o.network.pool_kernels.assign(4, {2, 2, 2});
  o.network.conv_kernels.assign(5, {3, 3, 3});
  o.train_cases = {cases[0], cases[1]};
  o.val_cases = {cases[2]};
  o.out_dir = dir;
  o.batch_size = 2;
  o.patch = {edge, edge, edge};
  o.epochs = 2;
  o.iterations_per_epoch = iterations;
  o.val_iterations = 2;
  o.device = device;
  o.amp = amp;
  o.checkpoint_every = 1;
  auto r = pipe_core::Train(
      o,
      [](const pipe_core::ProgressEvent& e) {
        if (e.kind == "epoch")
          std::printf("epoch %lld loss %.4f pseudo-Dice %.3f samples/s %.2f\n", static_cast<long long>(e.epoch), e.loss,
                      e.pseudo_dice, e.samples_per_s);
      },
      nullptr);
  std::printf("trained on %s amp=%s: %lld epochs, %.2f samples/s, %.1f s\n", r.device.c_str(), r.amp.c_str(),
              static_cast<long long>(r.epochs_completed), r.samples_per_s, r.seconds);
  for (double l : r.train_loss)
    if (!std::isfinite(l)) {
      std::printf("FAIL: non-finite training loss\n");
      return 1;
    }
  pipe_core::CheckpointInfo info;
  auto net = pipe_core::LoadModel(r.final_checkpoint, torch::Device(r.device), &info);
  pipe_core::PredictOptions po;
  po.patch = {edge, edge, edge};
  po.amp = amp;
  pipe_core::NpyFile data(cases[2].data_path);
  auto volume = torch::from_blob(const_cast<void*>(data.data()), data.shape(), torch::kFloat);
  auto probs = pipe_core::PredictProbabilities(*net, volume, po, torch::Device(r.device));
  const double err = (probs.sum(0) - 1).abs().max().item<double>();
  std::printf("predicted %lldx%lldx%lld on %s, max |sum p - 1| = %.2e\n", static_cast<long long>(probs.size(1)),
              static_cast<long long>(probs.size(2)), static_cast<long long>(probs.size(3)), r.device.c_str(), err);
  if (err > 1e-3) return 1;
  std::printf("1 passed, 0 failed\n");
  return 0;
}

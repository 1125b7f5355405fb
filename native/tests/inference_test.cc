// Node-free tests of sliding-window inference: tile starts (nnU-Net's worked examples), the Gaussian importance
// map, probabilities that sum to 1, tiles-per-batch not changing the result, padding of small volumes, head choice,
// tile progress (0 first, then after every batch, the total last).
#include <torch/torch.h>

#include "check.h"
#include "core/sliding_window.h"
#include "core/unetpp.h"
#include "phantom.h"

using pipe_core::Axes3;

namespace {

pipe_core::UNetPlusPlus SmallNet() {
  torch::manual_seed(11);
  pipe_core::UNetPlusPlus net(pipe_test::TinyNetwork());
  net->eval();
  return net;
}

}  // namespace

TEST("sliding-window starts match nnU-Net's examples") {
  CHECK(pipe_core::SlidingWindowSteps(110, 64, 0.5) == (std::vector<int64_t>{0, 23, 46}));
  CHECK(pipe_core::SlidingWindowSteps(482, 128, 0.5) == (std::vector<int64_t>{0, 59, 118, 177, 236, 295, 354}));
  CHECK(pipe_core::SlidingWindowSteps(512, 128, 0.5) == (std::vector<int64_t>{0, 64, 128, 192, 256, 320, 384}));
  CHECK(pipe_core::SlidingWindowSteps(64, 64, 0.5) == (std::vector<int64_t>{0}));
}

TEST("Gaussian importance peaks at patch//2 and is positive everywhere") {
  auto g = pipe_core::GaussianImportance({16, 16, 8});
  CHECK(g.sizes() == torch::IntArrayRef({16, 16, 8}));
  CHECK_NEAR(g[8][8][4].item<double>(), 1.0, 1e-7);
  CHECK(g.min().item<double>() > 0);
  CHECK_NEAR(g[8][8][0].item<double>(), std::exp(-16.0 / 2.0), 1e-6);  // sigma = 1, distance 4
}

TEST("probabilities sum to 1, tile batching does not change them, small volumes are padded") {
  auto net = SmallNet();
  torch::manual_seed(12);
  auto volume = torch::randn({1, 20, 27, 12});  // y larger than the patch, x smaller
  pipe_core::PredictOptions o;
  o.patch = {16, 16, 16};
  auto a = pipe_core::PredictProbabilities(*net, volume, o, torch::kCPU);
  CHECK(a.sizes() == torch::IntArrayRef({3, 20, 27, 12}));
  CHECK((a.sum(0) - 1).abs().max().item<double>() < 1e-5);
  o.tile_batch = 3;
  auto b = pipe_core::PredictProbabilities(*net, volume, o, torch::kCPU);
  CHECK((a - b).abs().max().item<double>() < 1e-5);
}

TEST("head choice: average and shallower heads differ from the last; bad heads are refused") {
  auto net = SmallNet();
  auto volume = torch::randn({1, 16, 16, 16});
  pipe_core::PredictOptions o;
  o.patch = {16, 16, 16};
  o.mirror = false;
  auto last = pipe_core::PredictProbabilities(*net, volume, o, torch::kCPU);
  o.head = "average";
  auto avg = pipe_core::PredictProbabilities(*net, volume, o, torch::kCPU);
  o.head = "1";
  auto first = pipe_core::PredictProbabilities(*net, volume, o, torch::kCPU);
  // With one tile and no mirroring, the weighted average reduces to plain softmax of the head.
  torch::NoGradGuard g;
  auto heads = net->forward(volume.unsqueeze(0));
  CHECK((last - torch::softmax(heads[1], 1)[0]).abs().max().item<double>() < 1e-5);
  CHECK((first - torch::softmax(heads[0], 1)[0]).abs().max().item<double>() < 1e-5);
  CHECK((avg - (torch::softmax(heads[0], 1)[0] + torch::softmax(heads[1], 1)[0]) / 2).abs().max().item<double>() <
        1e-5);
  o.head = "3";
  CHECK_THROWS_WITH(pipe_core::PredictProbabilities(*net, volume, o, torch::kCPU), "head");
}

TEST("tile progress: 0 first, then after every batch of tiles, the total last") {
  auto net = SmallNet();
  auto volume = torch::randn({1, 20, 27, 12});  // padded to 20 x 27 x 16: 2 x 3 x 1 tiles of 16^3 at step 0.5
  pipe_core::PredictOptions o;
  o.patch = {16, 16, 16};
  o.mirror = false;
  o.tile_batch = 4;
  std::vector<pipe_core::TileProgress> seen;
  pipe_core::PredictProbabilities(net, volume, o, torch::kCPU,
                                  [&](const pipe_core::TileProgress& p) { seen.push_back(p); });
  CHECK(seen.size() == 3);  // 0, 4, 6
  CHECK(seen[0].done == 0 && seen[0].total == 6);
  CHECK(seen[1].done == 4 && seen[1].total == 6);
  CHECK(seen[2].done == 6 && seen[2].total == 6);
}

RUN_TESTS()

// Node-free tests of nnU-Net's Generic_UNet beside UNet++ (issue 22 item 4): the Task03 3d_fullres parameter counts
// of both (recipe 7.5), head order and resolutions on an anisotropic plan, nnU-Net's deep-supervision weights and
// target downsampling, gradients reaching every parameter but the masked coarsest head, the factory and its
// refusals, checkpoints recording the architecture (old files read as UNet++; a resume across architectures refused
// naming the field), prediction reading the full-resolution head only, and an exact resume of a Generic_UNet run.
#include "core/generic_unet.h"

#include <torch/torch.h>

#include <atomic>
#include <cmath>
#include <string>

#include "check.h"
#include "core/checkpoint.h"
#include "core/errors.h"
#include "core/loss.h"
#include "core/sliding_window.h"
#include "core/trainer.h"
#include "core/unetpp.h"
#include "phantom.h"

using pipe_core::Axes3;
using pipe_core::NetworkPlan;

namespace {

NetworkPlan Plan(const std::string& architecture, int64_t npool, int64_t base, int64_t max, int64_t classes) {
  NetworkPlan p;
  p.architecture = architecture;
  p.in_channels = 1;
  p.num_classes = classes;
  p.base_features = base;
  p.max_features = max;
  p.pool_kernels.assign(npool, {2, 2, 2});
  p.conv_kernels.assign(npool + 1, {3, 3, 3});
  return p;
}

NetworkPlan TinyUNet() {
  NetworkPlan p = pipe_test::TinyNetwork();
  p.architecture = pipe_core::kGenericUNet;
  return p;
}

bool Near(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::fabs(a[i] - b[i]) > 1e-12) return false;
  return true;
}

// A copy of checkpoint `from` as format version 2 wrote it: no plan/architecture entry (and no optimizer).
void WriteVersion2(const std::string& from, const std::string& to) {
  torch::serialize::InputArchive in;
  in.load_from(from);
  torch::serialize::OutputArchive out;
  for (const std::string& key : in.keys()) {
    if (key == "plan/architecture" || key == "model" || key == "optimizer" || key == "format_version") continue;
    c10::IValue v;
    if (in.try_read(key, v)) out.write(key, v);
  }
  out.write("format_version", c10::IValue(int64_t{2}));
  auto net = pipe_core::LoadModel(from, torch::kCPU);
  torch::serialize::OutputArchive model;
  net->save(model);
  out.write("model", model);
  out.save_to(to);
}

}  // namespace

TEST("Task03 3d_fullres plan: Generic_UNet 31,195,584 parameters, UNet++ 45,966,784") {
  torch::manual_seed(0);
  auto unet = pipe_core::MakeNetwork(Plan(pipe_core::kGenericUNet, 5, 32, 320, 3));
  auto unetpp = pipe_core::MakeNetwork(Plan(pipe_core::kUNetPlusPlus, 5, 32, 320, 3));
  const int64_t n_unet = pipe_core::CountParameters(*unet), n_unetpp = pipe_core::CountParameters(*unetpp);
  std::printf(
      "  parameters for the Task03 3d_fullres plan (patch 128^3, base 32, max 320, 5 poolings, 3 classes): "
      "unet %lld, unetpp %lld\n",
      static_cast<long long>(n_unet), static_cast<long long>(n_unetpp));
  CHECK(n_unet == 31195584);
  CHECK(n_unetpp == 45966784);
  CHECK(!unet->full_resolution_heads() && unetpp->full_resolution_heads());
}

TEST("anisotropic plan: heads coarsest first, each at its decoder level's size, the last full resolution") {
  torch::manual_seed(1);
  NetworkPlan p = Plan(pipe_core::kGenericUNet, 3, 4, 12, 2);
  p.pool_kernels = {{1, 2, 2}, {2, 2, 2}, {1, 2, 2}};
  p.conv_kernels = {{1, 3, 3}, {3, 3, 3}, {3, 3, 3}, {1, 3, 3}};
  pipe_core::GenericUNet net(p);
  auto heads = net->forward(torch::randn({2, 1, 6, 24, 16}));
  CHECK(heads.size() == 3);
  CHECK(heads[0].sizes() == torch::IntArrayRef({2, 2, 3, 6, 4}));   // level 2: / (1*2, 2*2, 2*2)
  CHECK(heads[1].sizes() == torch::IntArrayRef({2, 2, 6, 12, 8}));  // level 1: / (1, 2, 2)
  CHECK(heads[2].sizes() == torch::IntArrayRef({2, 2, 6, 24, 16}));
  // A shallower depth returns the coarsest heads alone, the same logits.
  auto x = torch::randn({1, 1, 6, 24, 16});
  auto full = net->forward(x), pruned = net->forward(x, 1);
  CHECK(pruned.size() == 1 && torch::equal(pruned[0], full[0]));
  // Same encoder names as UNet++, one decoder stage and head per level.
  CHECK(net->named_parameters().contains("enc3.1.conv.weight"));
  CHECK(net->named_parameters().contains("up0.weight") && net->named_parameters().contains("dec0.0.conv.weight"));
  CHECK(net->named_parameters()["dec2.0.conv.weight"].sizes() == torch::IntArrayRef({12, 24, 1, 3, 3}));
  CHECK(net->named_parameters()["head1.weight"].sizes() == torch::IntArrayRef({2, 8, 1, 1, 1}));
  CHECK(!net->named_parameters().contains("head0.bias"));
}

TEST("nnU-Net's deep-supervision weights: 1/2^s, the coarsest output 0, normalised; UNet++ all 1") {
  CHECK(Near(pipe_core::DefaultHeadWeights(Plan(pipe_core::kGenericUNet, 5, 4, 8, 2)),
             {0.0, 1.0 / 15, 2.0 / 15, 4.0 / 15, 8.0 / 15}));
  CHECK(Near(pipe_core::DefaultHeadWeights(Plan(pipe_core::kGenericUNet, 2, 4, 8, 2)), {0.0, 1.0}));
  CHECK(Near(pipe_core::DefaultHeadWeights(Plan(pipe_core::kGenericUNet, 1, 4, 8, 2)), {1.0}));
  CHECK(Near(pipe_core::DefaultHeadWeights(Plan(pipe_core::kUNetPlusPlus, 3, 4, 8, 2)), {1.0, 1.0, 1.0}));
}

TEST("targets are downsampled as nnU-Net does: voxel s*o + s/2 of an axis shrunk s-fold") {
  auto t = torch::arange(2 * 8 * 8 * 4, torch::kLong).view({2, 8, 8, 4});
  auto half = pipe_core::TargetAtScale(t, {4, 2, 4});  // z / 2, y / 4, x unchanged
  CHECK(half.sizes() == torch::IntArrayRef({2, 4, 2, 4}));
  bool all = true;
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t z = 0; z < 4; ++z)
      for (int64_t y = 0; y < 2; ++y)
        for (int64_t x = 0; x < 4; ++x)
          all = all && half[n][z][y][x].item<int64_t>() == t[n][2 * z + 1][4 * y + 2][x].item<int64_t>();
  CHECK(all);
  // torch's nearest-exact (pixel centres, floor((o + 0.5) * s)) is the same rule.
  auto exact = torch::nn::functional::interpolate(t.unsqueeze(1).to(torch::kDouble),
                                                  torch::nn::functional::InterpolateFuncOptions()
                                                      .size(std::vector<int64_t>{4, 2, 4})
                                                      .mode(torch::kNearestExact))
                   .squeeze(1)
                   .to(torch::kLong);
  CHECK(torch::equal(exact, half));
  CHECK(pipe_core::TargetAtScale(t, {8, 8, 4}).data_ptr() == t.data_ptr());
  CHECK_THROWS_WITH(pipe_core::TargetAtScale(t, {3, 8, 4}), "does not divide");
}

TEST("default weights: the loss reaches every parameter but the masked coarsest head") {
  torch::manual_seed(4);
  NetworkPlan p = Plan(pipe_core::kGenericUNet, 3, 4, 16, 3);
  pipe_core::GenericUNet net(p);
  auto x = torch::randn({2, 1, 16, 16, 16});
  auto target = torch::randint(0, 3, {2, 16, 16, 16}, torch::kLong);
  pipe_core::LossOptions lo;
  lo.head_weights = pipe_core::DefaultHeadWeights(p);
  auto heads = net->forward(x);
  auto loss = pipe_core::DeepSupervisionLoss(heads, target, lo);
  loss.total.backward();
  int missing = 0;
  for (const auto& item : net->named_parameters()) {
    const auto& g = item.value().grad();
    const bool none = !g.defined() || g.abs().sum().item<double>() == 0.0;
    const bool masked = item.key() == "head2.weight";  // level 2 = the coarsest output, weight 0
    if (none != masked) {
      std::printf("  %s: %s\n", item.key().c_str(), none ? "no gradient" : "gradient although masked");
      ++missing;
    }
  }
  CHECK(missing == 0);
  // The total is the weighted sum of the per-head losses, each against its own downsampled target.
  CHECK(loss.per_head.size() == 3);
  const double expect = (loss.per_head[1] * lo.head_weights[1] + loss.per_head[2] * lo.head_weights[2]).item<double>();
  CHECK_NEAR(loss.total.item<double>(), expect, 1e-6);
  const auto t1 = pipe_core::TargetAtScale(target, heads[1].sizes().slice(2));
  CHECK_NEAR(loss.per_head[1].item<double>(), pipe_core::DiceCeLoss(heads[1], t1, lo).item<double>(), 1e-7);
}

TEST("the factory builds the named architecture and refuses others, naming the field") {
  torch::manual_seed(5);
  CHECK(!pipe_core::MakeNetwork(TinyUNet())->full_resolution_heads());
  CHECK(pipe_core::MakeNetwork(pipe_test::TinyNetwork())->full_resolution_heads());
  NetworkPlan bad = pipe_test::TinyNetwork();
  bad.architecture = "vnet";
  CHECK_THROWS_WITH(pipe_core::MakeNetwork(bad), "Expected unetpp | unet for architecture but received \"vnet\"");
  CHECK_THROWS_WITH(pipe_core::UNetPlusPlus{TinyUNet()}, "architecture unet");
  CHECK_THROWS_WITH(pipe_core::GenericUNet{pipe_test::TinyNetwork()}, "architecture unetpp");
  // A UNet++ plan keeps its canonical text (and so the hash of every checkpoint written before); unet's differs.
  const std::string text = pipe_core::PlanText(pipe_test::TinyNetwork());
  CHECK(text == "in=1 classes=3 base=4 max=8 pool=[[2,2,2],[2,2,2]] conv=[[3,3,3],[3,3,3],[3,3,3]]");
  CHECK(pipe_core::PlanText(TinyUNet()) == text + " net=unet");
  CHECK(pipe_core::PlanDiff(TinyUNet(), pipe_test::TinyNetwork()) == "architecture: checkpoint unet, plan unetpp");
}

TEST("checkpoints record the architecture; version 2 files read as UNet++; a cross-architecture load is refused") {
  const std::string dir = pipe_test::TempDir("unet-ckpt");
  torch::manual_seed(6);
  auto net = pipe_core::MakeNetwork(TinyUNet());
  pipe_core::SaveCheckpoint(dir + "/unet.pt", *net, nullptr, pipe_core::TrainState{}, pipe_core::CheckpointMeta{});
  const auto info = pipe_core::ReadCheckpointInfo(dir + "/unet.pt");
  CHECK(info.plan.architecture == "unet" && info.format_version == 3);
  pipe_core::CheckpointInfo loaded_info;
  auto loaded = pipe_core::LoadModel(dir + "/unet.pt", torch::kCPU, &loaded_info);
  CHECK(!loaded->full_resolution_heads());
  net->eval();
  auto x = torch::randn({1, 1, 16, 16, 16});
  CHECK(torch::equal(loaded->forward(x).back(), net->forward(x).back()));

  pipe_core::UNetPlusPlus other(pipe_test::TinyNetwork());
  std::string message;
  try {
    pipe_core::LoadCheckpoint(dir + "/unet.pt", *other, nullptr, torch::kCPU);
  } catch (const pipe_core::PlanMismatchError& e) {
    message = e.what();
  }
  std::printf("  %s\n", message.c_str());
  CHECK(message.find("architecture: checkpoint unet, plan unetpp") != std::string::npos);

  // A UNet++ checkpoint as format version 2 wrote it (no architecture entry) still loads, as UNet++.
  torch::manual_seed(7);
  auto pp = pipe_core::MakeNetwork(pipe_test::TinyNetwork());
  pipe_core::SaveCheckpoint(dir + "/pp.pt", *pp, nullptr, pipe_core::TrainState{}, pipe_core::CheckpointMeta{});
  WriteVersion2(dir + "/pp.pt", dir + "/pp_v2.pt");
  const auto old = pipe_core::ReadCheckpointInfo(dir + "/pp_v2.pt");
  CHECK(old.format_version == 2 && old.plan.architecture == "unetpp");
  auto old_net = pipe_core::LoadModel(dir + "/pp_v2.pt", torch::kCPU);
  CHECK(old_net->full_resolution_heads());
  pp->eval();
  CHECK(torch::equal(old_net->forward(x).back(), pp->forward(x).back()));
}

TEST("prediction reads the full-resolution head; average and the coarser heads are refused naming head") {
  torch::manual_seed(8);
  auto net = pipe_core::MakeNetwork(TinyUNet());
  auto volume = torch::randn({1, 20, 18, 16});
  pipe_core::PredictOptions o;
  o.patch = {16, 16, 16};
  o.mirror = false;
  o.threads = 1;
  auto probs = pipe_core::PredictProbabilities(*net, volume, o, torch::kCPU);
  CHECK(probs.sizes() == torch::IntArrayRef({3, 20, 18, 16}));
  CHECK((probs.sum(0) - 1).abs().max().item<double>() < 1e-5);
  o.head = "2";  // npool: the same head as "last"
  CHECK(torch::equal(pipe_core::PredictProbabilities(*net, volume, o, torch::kCPU), probs));
  o.head = "average";
  CHECK_THROWS_WITH(pipe_core::PredictProbabilities(*net, volume, o, torch::kCPU),
                    "Expected last or 2 for head (the network's other heads are below full resolution)");
  o.head = "1";
  CHECK_THROWS_WITH(pipe_core::PredictProbabilities(*net, volume, o, torch::kCPU), "for head");
  CHECK(pipe_core::ResolveHead("average", 2, true) == 0);
}

TEST("a Generic_UNet run trains, records unet, and resumes exactly (2 epochs straight == 1 + resume + 1)") {
  const std::string data = pipe_test::TempDir("unet-train-data");
  const std::vector<pipe_core::CaseSource> cases = {pipe_test::WritePhantom(data, "a", 24, 1),
                                                    pipe_test::WritePhantom(data, "b", 24, 2),
                                                    pipe_test::WritePhantom(data, "c", 24, 3)};
  auto options = [&](const std::string& dir, int64_t epochs) {
    pipe_core::TrainOptions o;
    o.network = TinyUNet();
    o.train_cases = {cases[0], cases[1]};
    o.val_cases = {cases[2]};
    o.out_dir = dir;
    o.patch = {16, 16, 16};
    o.epochs = epochs;
    o.iterations_per_epoch = 3;
    o.val_iterations = 1;
    o.threads = 1;
    o.seed = 9;
    o.checkpoint_every = 0;
    o.augmentation.loader_threads = 1;
    return o;
  };
  const std::string d1 = pipe_test::TempDir("unet-straight"), d2 = pipe_test::TempDir("unet-resumed");
  std::vector<std::vector<double>> head_losses;
  const auto straight = pipe_core::Train(
      options(d1, 2),
      [&](const pipe_core::ProgressEvent& e) {
        if (e.kind == "iteration") head_losses.push_back(e.head_losses);
      },
      nullptr);
  CHECK(straight.epochs_completed == 2 && std::isfinite(straight.train_loss.back()));
  CHECK(!head_losses.empty() && head_losses.front().size() == 2);
  CHECK(pipe_core::ReadCheckpointInfo(straight.final_checkpoint).plan.architecture == "unet");
  std::atomic<bool> abort{false};  // stop after the first epoch of the same 2-epoch schedule
  const auto part = pipe_core::Train(
      options(d2, 2),
      [&](const pipe_core::ProgressEvent& e) {
        if (e.kind == "epoch" && e.epoch == 0) abort = true;
      },
      &abort);
  CHECK(part.aborted && part.epochs_completed == 1);
  auto rest = options(d2, 2);
  rest.resume_from = d2 + "/checkpoint_latest.pt";
  const auto resumed = pipe_core::Train(rest, nullptr, nullptr);
  std::printf("  digests: straight %s, resumed %s\n", straight.weights_digest.c_str(), resumed.weights_digest.c_str());
  CHECK(resumed.weights_digest == straight.weights_digest);
}

RUN_TESTS()

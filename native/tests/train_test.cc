// Node-free tests of data access and training: npy round trip, the augmentation presets of the one batch pipeline,
// checkpoint contents, exact resume on CPU without any random state in the checkpoint (4 epochs straight == 2 +
// resume + 2, also from a mid-epoch abort; "basic" and "full"), and refusal of a checkpoint from another plan.
#include <torch/torch.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <sstream>

#include "check.h"
#include "core/augment_intensity.h"
#include "core/batches.h"
#include "core/checkpoint.h"
#include "core/errors.h"
#include "core/grad_clip.h"
#include "core/loss_scaler.h"
#include "core/sgd_step.h"
#include "core/trainer.h"
#include "phantom.h"

using pipe_core::Axes3;

namespace {

pipe_core::TrainOptions SmallOptions(const std::string& dir, const std::vector<pipe_core::CaseSource>& cases) {
  pipe_core::TrainOptions o;
  o.network = pipe_test::TinyNetwork();
  o.train_cases = {cases[0], cases[1]};
  o.val_cases = {cases[2]};
  o.out_dir = dir;
  o.batch_size = 2;
  o.patch = {16, 16, 16};
  o.epochs = 4;
  o.iterations_per_epoch = 3;
  o.val_iterations = 1;
  o.threads = 2;
  o.seed = 7;
  o.checkpoint_every = 0;
  return o;
}

double MaxWeightDiff(const std::string& a, const std::string& b) {
  auto na = pipe_core::LoadModel(a, torch::kCPU), nb = pipe_core::LoadModel(b, torch::kCPU);
  auto pa = na->parameters(), pb = nb->parameters();
  double diff = 0;
  for (size_t i = 0; i < pa.size(); ++i) diff = std::max(diff, (pa[i] - pb[i]).abs().max().item<double>());
  return diff;
}

std::vector<pipe_core::CaseSource> Cases(const std::string& dir) {
  return {pipe_test::WritePhantom(dir, "case_a", 24, 1), pipe_test::WritePhantom(dir, "case_b", 24, 2),
          pipe_test::WritePhantom(dir, "case_c", 24, 3)};
}

}  // namespace

TEST("npy files round-trip through the mmap reader") {
  const std::string dir = pipe_test::TempDir("npy");
  std::vector<float> v = {1.5f, -2.0f, 3.25f, 0.0f, 7.0f, 8.0f};
  pipe_core::WriteNpy(dir + "/a.npy", "<f4", {2, 3}, v.data(), sizeof(float));
  pipe_core::NpyFile f(dir + "/a.npy");
  CHECK(f.descr() == "<f4");
  CHECK(f.shape() == (std::vector<int64_t>{2, 3}));
  CHECK(f.as<float>()[2] == 3.25f && f.as<float>()[5] == 8.0f);
  CHECK_THROWS_WITH(pipe_core::NpyFile(dir + "/missing.npy"), "missing.npy");
}

TEST("the basic preset is the full chain with rotation, scaling, noise, blur, low resolution, inverted gamma at 0") {
  using pipe_core::AugmentParams;
  pipe_core::AugmentationOptions full_options, basic_options, off_options;
  basic_options.pipeline = "basic";
  off_options.enabled = false;
  const AugmentParams full = pipe_core::AugmentParamsOf(full_options);
  const AugmentParams basic = pipe_core::AugmentParamsOf(basic_options);
  const AugmentParams reference;  // the reference's chain (recipe 9)
  CHECK(full.p_rotation == reference.p_rotation && full.p_scale == reference.p_scale);
  CHECK(full.p_noise == reference.p_noise && full.p_blur == reference.p_blur);
  CHECK(full.p_low_resolution == reference.p_low_resolution && full.p_inverted_gamma == reference.p_inverted_gamma);
  CHECK(full.p_brightness == reference.p_brightness && full.p_contrast == reference.p_contrast);
  CHECK(full.p_gamma == reference.p_gamma && full.p_mirror_per_axis == reference.p_mirror_per_axis);
  CHECK(basic.p_rotation == 0 && basic.p_scale == 0 && basic.p_elastic == 0 && basic.p_noise == 0);
  CHECK(basic.p_blur == 0 && basic.p_low_resolution == 0 && basic.p_inverted_gamma == 0);
  CHECK(basic.p_brightness == full.p_brightness && basic.p_contrast == full.p_contrast);
  CHECK(basic.p_gamma == full.p_gamma && basic.do_mirror && basic.p_mirror_per_axis == full.p_mirror_per_axis);
  const AugmentParams off = pipe_core::AugmentParamsOf(off_options);
  CHECK(!off.do_mirror && !off.do_brightness && !off.do_gamma && !off.do_rotation);

  // Its batches: the validation stream's case and corner, then only intensity and mirroring on the crop.
  const std::string dir = pipe_test::TempDir("basic-preset");
  auto cases = pipe_core::OpenCases({pipe_test::WritePhantom(dir, "p", 24, 9)});
  pipe_core::LoaderParams p;
  p.patch_size = p.source_patch_size = {16, 16, 16};
  p.batch_size = 2;
  p.augment = basic;
  p.seed = 3;
  const pipe_core::PatchLoader with_basic(pipe_core::LoaderCasesOf(cases), p);
  p.augment = pipe_core::NoAugmentation();
  const pipe_core::PatchLoader plain(pipe_core::LoaderCasesOf(cases), p);
  const int64_t n = with_basic.patch_voxels();
  std::vector<float> a(n), b(n);
  std::vector<int8_t> la(n), lb(n);
  pipe_core::AugmentScratch scratch;
  int intensity = 0, mirrored = 0, compared = 0, equal = 0;
  for (int64_t it = 0; it < 100; ++it)
    for (int j = 0; j < 2; ++j) {
      const auto ra = with_basic.SampleOne(it, j, a.data(), la.data(), &scratch);
      const auto rb = plain.SampleOne(it, j, b.data(), lb.data(), &scratch);
      const auto& aug = ra.augmentation;
      CHECK(ra.case_index == rb.case_index && ra.corner == rb.corner);
      CHECK(!aug.Spatial() && !aug.noise && aug.blurred_channels == 0 && aug.low_resolution_channels == 0);
      CHECK(!aug.inverted_gamma);
      for (int axis = 0; axis < 3; ++axis)
        if (aug.mirrored[axis]) {
          pipe_core::MirrorAxis(b.data(), p.patch_size, axis);
          pipe_core::MirrorAxis(lb.data(), p.patch_size, axis);
          ++mirrored;
        }
      CHECK(la == lb);
      if (aug.brightness || aug.contrast || aug.gamma) {
        ++intensity;
        continue;
      }
      ++compared;
      equal += a == b ? 1 : 0;
    }
  std::printf("  %d samples compared equal to the mirrored crop, %d with intensity transforms, %d mirrored axes\n",
              equal, intensity, mirrored);
  CHECK(compared > 0 && equal == compared && intensity > 0 && mirrored > 0);
}

TEST("a patch that is not a multiple of the pool kernels' product is refused, naming the axis") {
  const std::string data = pipe_test::TempDir("bad-patch-data");
  auto o = SmallOptions(pipe_test::TempDir("bad-patch"), Cases(data));
  o.patch = {16, 16, 15};
  CHECK_THROWS_WITH(pipe_core::Train(o, nullptr, nullptr), "for patchSize[2] but received 15");
}

TEST("basic: 4 epochs straight equal 2 + resume + 2 (and a mid-epoch abort + resume), no RNG state stored") {
  const std::string data = pipe_test::TempDir("resume-data");
  const auto cases = Cases(data);
  const std::string d1 = pipe_test::TempDir("straight"), d2 = pipe_test::TempDir("split"),
                    d3 = pipe_test::TempDir("mid");
  auto BasicOptions = [](const std::string& dir, const std::vector<pipe_core::CaseSource>& c) {
    auto o = SmallOptions(dir, c);
    o.augmentation.pipeline = "basic";
    return o;
  };
  auto straight = pipe_core::Train(BasicOptions(d1, cases), nullptr, nullptr);
  CHECK(straight.augmentation == "basic" && straight.source_patch == (Axes3{16, 16, 16}));
  CHECK(straight.epochs_completed == 4 && !straight.aborted);
  CHECK(straight.train_loss.size() == 4 && straight.pseudo_dice.size() == 4);

  std::atomic<bool> stop{false};
  auto first = pipe_core::Train(
      BasicOptions(d2, cases),
      [&](const pipe_core::ProgressEvent& e) {
        if (e.kind == "epoch" && e.epoch == 1) stop = true;
      },
      &stop);
  CHECK(first.aborted && first.epochs_completed == 2);
  auto info = pipe_core::ReadCheckpointInfo(d2 + "/checkpoint_latest.pt");
  CHECK(info.state.epoch == 2 && info.state.iteration == 0 && info.state.train_loss.size() == 2);
  CHECK(info.meta.kind == "latest" && info.format_version == pipe_core::kCheckpointVersion);
  auto resumed_opts = BasicOptions(d2, cases);
  resumed_opts.resume_from = d2 + "/checkpoint_latest.pt";
  auto second = pipe_core::Train(resumed_opts, nullptr, nullptr);
  CHECK(second.epochs_completed == 4 && second.train_loss.size() == 4);
  const double diff = MaxWeightDiff(d1 + "/checkpoint_final.pt", d2 + "/checkpoint_final.pt");
  std::printf("  max weight difference (epoch boundary): %g\n", diff);
  CHECK(diff == 0);
  for (size_t e = 0; e < 4; ++e) CHECK(second.train_loss[e] == straight.train_loss[e]);
  for (size_t e = 0; e < 4; ++e) CHECK(second.pseudo_dice[e] == straight.pseudo_dice[e]);

  std::atomic<bool> stop_mid{false};
  auto mid = pipe_core::Train(
      BasicOptions(d3, cases),
      [&](const pipe_core::ProgressEvent& e) {
        if (e.kind == "iteration" && e.epoch == 2 && e.iteration == 1) stop_mid = true;
      },
      &stop_mid);
  CHECK(mid.aborted);
  CHECK(pipe_core::ReadCheckpointInfo(d3 + "/checkpoint_latest.pt").state.iteration == 1);
  auto mid_opts = BasicOptions(d3, cases);
  mid_opts.resume_from = d3 + "/checkpoint_latest.pt";
  pipe_core::Train(mid_opts, nullptr, nullptr);
  const double diff_mid = MaxWeightDiff(d1 + "/checkpoint_final.pt", d3 + "/checkpoint_final.pt");
  std::printf("  max weight difference (mid-epoch): %g\n", diff_mid);
  CHECK(diff_mid == 0);
}

TEST("full augmentation: batches follow (seed, iteration), so 2 loader threads + abort + resume == 1 thread straight") {
  const std::string data = pipe_test::TempDir("full-data");
  const auto cases = Cases(data);
  const std::string d1 = pipe_test::TempDir("full-straight"), d2 = pipe_test::TempDir("full-split");
  auto opts = [&](const std::string& dir, int threads) {
    auto o = SmallOptions(dir, cases);  // the default pipeline: "full"
    o.augmentation.loader_threads = threads;
    return o;
  };
  auto straight = pipe_core::Train(opts(d1, 1), nullptr, nullptr);
  CHECK(straight.augmentation == "full" && straight.loader_threads == 1);
  CHECK(straight.source_patch[0] > 16 && straight.source_patch[1] > 16 && straight.source_patch[2] > 16);
  std::atomic<bool> stop{false};
  auto first = pipe_core::Train(
      opts(d2, 2),
      [&](const pipe_core::ProgressEvent& e) {
        if (e.kind == "iteration" && e.epoch == 1 && e.iteration == 2) stop = true;
      },
      &stop);
  CHECK(first.aborted);
  auto resumed = opts(d2, 2);
  resumed.resume_from = d2 + "/checkpoint_latest.pt";
  auto second = pipe_core::Train(resumed, nullptr, nullptr);
  CHECK(second.epochs_completed == 4);
  const double diff = MaxWeightDiff(d1 + "/checkpoint_final.pt", d2 + "/checkpoint_final.pt");
  std::printf("  max weight difference (full augmentation, threads 1 vs 2 + resume): %g\n", diff);
  CHECK(diff == 0);
  // and it is not the basic pipeline's run
  const std::string d3 = pipe_test::TempDir("basic-straight");
  auto basic = SmallOptions(d3, cases);
  basic.augmentation.pipeline = "basic";
  pipe_core::Train(basic, nullptr, nullptr);
  CHECK(MaxWeightDiff(d1 + "/checkpoint_final.pt", d3 + "/checkpoint_final.pt") > 1e-4);
}

TEST(
    "ClipGradNorm matches LibTorch's clip_grad_norm_ bit for bit, clipping or not, and leaves the norm on the device") {
  for (double max_norm : {0.05, 1e6}) {
    torch::manual_seed(3);
    std::vector<torch::Tensor> a, b;
    for (int64_t n : {7, 64, 1}) {
      a.push_back(torch::randn({n}, torch::requires_grad()));
      b.push_back(a.back().detach().clone().requires_grad_(true));
      const auto g = torch::randn({n});
      a.back().mutable_grad() = g.clone();
      b.back().mutable_grad() = g.clone();
    }
    a.push_back(torch::randn({3}, torch::requires_grad()));  // no gradient: skipped by both
    b.push_back(a.back().detach().clone().requires_grad_(true));
    const double theirs = torch::nn::utils::clip_grad_norm_(a, max_norm);
    const torch::Tensor ours = pipe_core::ClipGradNorm(b, max_norm);
    CHECK(ours.dim() == 0 && ours.item<double>() == theirs);
    for (size_t i = 0; i + 1 < a.size(); ++i) CHECK(torch::equal(a[i].grad(), b[i].grad()));
  }
  CHECK(pipe_core::ClipGradNorm({torch::zeros({2}, torch::requires_grad())}, 1.0).item<double>() == 0.0);
}

TEST("LossScaler: scaled backward leaves the plain gradients (powers of two are exact); skip, halve, grow") {
  torch::manual_seed(8);
  std::vector<torch::Tensor> a{torch::randn({5, 4}, torch::requires_grad()), torch::randn({3}, torch::requires_grad())};
  std::vector<torch::Tensor> b{a[0].detach().clone().requires_grad_(true), a[1].detach().clone().requires_grad_(true)};
  const auto loss = [](const std::vector<torch::Tensor>& p) { return (p[0].sin().sum() * p[1].exp().sum()); };
  pipe_core::LossScaler off(false), on(true);
  off.Backward(loss(a), a);
  on.Backward(loss(b), b);
  CHECK(!off.enabled() && on.enabled() && on.scale() == pipe_core::LossScaler::kInitialScale);
  for (size_t i = 0; i < a.size(); ++i) CHECK(torch::equal(a[i].grad(), b[i].grad()));
  CHECK(off.Update(std::nan("")));  // disabled: never skips
  CHECK(!on.Update(std::numeric_limits<double>::infinity()) && on.scale() == pipe_core::LossScaler::kInitialScale / 2);
  for (int64_t k = 0; k < pipe_core::LossScaler::kGrowthInterval; ++k) CHECK(on.Update(1.0));
  CHECK(on.scale() == pipe_core::LossScaler::kInitialScale && on.growth() == 0);
}

TEST("SgdStep (multi-tensor) leaves parameters and momentum buffers bit for bit as SGD::step, and a checkpoint too") {
  auto make = []() {
    torch::manual_seed(5);
    std::vector<torch::Tensor> params;
    for (int64_t n : {9, 32, 1}) params.push_back(torch::randn({n, 3}, torch::requires_grad()));
    params.push_back(torch::randn({4}, torch::requires_grad()));  // never gets a gradient: skipped by both
    return params;
  };
  for (const bool nesterov : {true, false}) {
    for (const double weight_decay : {3e-5, 0.0}) {
      auto a = make(), b = make();
      const auto options = torch::optim::SGDOptions(0.01).momentum(0.99).nesterov(nesterov).weight_decay(weight_decay);
      torch::optim::SGD theirs(a, options), ours(b, options);
      torch::manual_seed(6);
      for (int step = 0; step < 4; ++step) {
        for (size_t i = 0; i + 1 < a.size(); ++i) {
          const auto g = torch::randn_like(a[i]);
          a[i].mutable_grad() = g.clone();
          b[i].mutable_grad() = g.clone();
        }
        theirs.step();
        if (step == 2) {  // a later step of either kind sees the same state
          ours.step();
        } else {
          pipe_core::SgdStep(ours);
        }
      }
      for (size_t i = 0; i < a.size(); ++i) CHECK(torch::equal(a[i], b[i]));
      CHECK(theirs.state().size() == 3 && ours.state().size() == 3);
      std::ostringstream saved_theirs, saved_ours;
      torch::serialize::OutputArchive at, ao;
      theirs.save(at);
      ours.save(ao);
      at.save_to(saved_theirs);
      ao.save_to(saved_ours);
      CHECK(saved_theirs.str().size() == saved_ours.str().size());
    }
  }
}

TEST(
    "loss reads deferred by a step (the CUDA default) give the same events, losses and weights, also across an abort") {
  struct Iter {
    int64_t epoch, iteration;
    double loss;
    std::vector<double> heads;
  };
  const std::string data = pipe_test::TempDir("lag-data");
  const auto cases = Cases(data);
  auto run = [&](const char* lag, const std::string& dir, int64_t stop_epoch, int64_t stop_iteration,
                 const std::string& resume, std::vector<Iter>* iters) {
    setenv("PIPE_LOSS_READBACK_LAG", lag, 1);
    auto o = SmallOptions(dir, cases);
    o.resume_from = resume;
    std::atomic<bool> stop{false};
    auto r = pipe_core::Train(
        o,
        [&](const pipe_core::ProgressEvent& e) {
          if (e.kind != "iteration") return;
          if (iters) iters->push_back({e.epoch, e.iteration, e.loss, e.head_losses});
          if (e.epoch == stop_epoch && e.iteration == stop_iteration) stop = true;
        },
        &stop);
    unsetenv("PIPE_LOSS_READBACK_LAG");
    return r;
  };
  const std::string d0 = pipe_test::TempDir("lag0"), d1 = pipe_test::TempDir("lag1"),
                    d2 = pipe_test::TempDir("lag1-mid");
  std::vector<Iter> read_each, deferred;
  const auto a = run("0", d0, -1, -1, "", &read_each);
  const auto b = run("1", d1, -1, -1, "", &deferred);
  CHECK(read_each.size() == 12 && deferred.size() == read_each.size());
  for (size_t i = 0; i < std::min(read_each.size(), deferred.size()); ++i) {
    CHECK(deferred[i].epoch == read_each[i].epoch && deferred[i].iteration == read_each[i].iteration);
    CHECK(deferred[i].loss == read_each[i].loss && deferred[i].heads == read_each[i].heads);
    CHECK(std::isfinite(deferred[i].loss) && deferred[i].heads.size() == 2);
  }
  CHECK(a.train_loss == b.train_loss && a.val_loss == b.val_loss && a.weights_digest == b.weights_digest);
  // Abort asked while the first step of epoch 2 is read, i.e. after the second ran: both count in the checkpoint.
  const auto first = run("1", d2, 2, 1, "", nullptr);
  CHECK(first.aborted);
  const auto info = pipe_core::ReadCheckpointInfo(d2 + "/checkpoint_latest.pt");
  CHECK(info.state.epoch == 2 && info.state.iteration == 2 && info.state.partial_loss_count == 2);
  const auto second = run("1", d2, -1, -1, d2 + "/checkpoint_latest.pt", nullptr);
  CHECK(second.epochs_completed == 4 && second.train_loss == a.train_loss);
  CHECK(MaxWeightDiff(d0 + "/checkpoint_final.pt", d2 + "/checkpoint_final.pt") == 0);
}

TEST("an unknown augmentation pipeline is refused") {
  const std::string data = pipe_test::TempDir("bad-aug-data");
  auto o = SmallOptions(pipe_test::TempDir("bad-aug"), Cases(data));
  o.augmentation.pipeline = "fancy";
  CHECK_THROWS_WITH(pipe_core::Train(o, nullptr, nullptr), "augmentation");
}

TEST("a checkpoint of another plan is refused, naming the field") {
  const std::string data = pipe_test::TempDir("mismatch-data");
  const auto cases = Cases(data);
  const std::string d = pipe_test::TempDir("mismatch");
  auto o = SmallOptions(d, cases);
  o.epochs = 1;
  o.iterations_per_epoch = 1;
  pipe_core::Train(o, nullptr, nullptr);
  auto other = SmallOptions(d, cases);
  other.network.base_features = 6;
  other.resume_from = d + "/checkpoint_final.pt";
  bool mismatch = false;
  std::string message;
  try {
    pipe_core::Train(other, nullptr, nullptr);
  } catch (const pipe_core::PlanMismatchError& e) {
    mismatch = true;
    message = e.what();
  }
  std::printf("  %s\n", message.c_str());
  CHECK(mismatch);
  CHECK(message.find("baseFeatures: checkpoint 4, plan 6") != std::string::npos);
  CHECK_THROWS_WITH(pipe_core::ReadCheckpointInfo(cases[0].data_path), "checkpoint");
}

TEST("poly learning rate") {
  CHECK_NEAR(pipe_core::PolyLr(0.01, 0, 1000, 0.9), 0.01, 1e-12);
  CHECK_NEAR(pipe_core::PolyLr(0.01, 500, 1000, 0.9), 0.005359, 1e-6);
  CHECK_NEAR(pipe_core::PolyLr(0.01, 999, 1000, 0.9), 1.995e-5, 1e-8);
}

RUN_TESTS()

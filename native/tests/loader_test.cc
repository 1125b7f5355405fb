// Node-free checks of the patch loader (core/loader.h) and the prefetching pool
// (core/loader_prefetch.h): recipe 8.4's oversampling rule and corner bounds, case draws,
// determinism across thread counts, error propagation and shutdown.
#include "core/loader.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/loader_prefetch.h"
#include "tally.h"

using namespace pipe_core;

namespace {

using pipe_test::Check;
using pipe_test::Num;
using pipe_test::Voxels;

// A synthetic case owning its buffers: smooth random image, body mask (-1 outside), one 5^3 cube
// of label 2 centred at `blob` and a larger label-1 sphere elsewhere (if `with_liver`).
struct SyntheticCase {
  Shape3 shape;
  std::vector<float> image;
  std::vector<int8_t> label;
  LoaderCase view;

  SyntheticCase(const std::string& id, const Shape3& s, const Shape3& blob, bool with_liver, uint64_t key) : shape(s) {
    image.resize(static_cast<size_t>(Voxels(s)));
    label.resize(static_cast<size_t>(Voxels(s)));
    AugmentRng rng(key);
    ClassLocations liver{1, {}}, tumour{2, {}};
    for (int64_t z = 0; z < s[0]; ++z)
      for (int64_t y = 0; y < s[1]; ++y)
        for (int64_t x = 0; x < s[2]; ++x) {
          const int64_t i = (z * s[1] + y) * s[2] + x;
          int8_t l = (z < 2 || z >= s[0] - 2) ? -1 : 0;
          if (with_liver && std::hypot(std::hypot(z - 0.3 * s[0], y - 0.3 * s[1]), x - 0.3 * s[2]) < 0.12 * s[0]) l = 1;
          if (std::abs(z - blob[0]) <= 2 && std::abs(y - blob[1]) <= 2 && std::abs(x - blob[2]) <= 2) l = 2;
          label[static_cast<size_t>(i)] = l;
          image[static_cast<size_t>(i)] = static_cast<float>(0.1 * rng.Normal() + (l > 0 ? l : 0));
          if (l == 1 && (z + y + x) % 7 == 0) liver.voxels.push_back({z, y, x});
          if (l == 2) tumour.voxels.push_back({z, y, x});
        }
    view.id = id;
    view.volume = Volume{image.data(), label.data(), 1, s};
    if (with_liver) view.class_locations.push_back(liver);
    view.class_locations.push_back(tumour);
  }
};

void TestFirstForcedSample() {
  Check(FirstForcedSample(2, 0.33) == 1, "batch 2: sample 1 forced (round(1.34) = 1)");
  Check(FirstForcedSample(1, 0.33) == 1, "batch 1: round(0.67) = 1, nothing forced");
  Check(FirstForcedSample(3, 0.33) == 2, "batch 3: round(2.01) = 2");
  Check(FirstForcedSample(4, 0.33) == 3, "batch 4: round(2.68) = 3");
  Check(FirstForcedSample(2, 0.75) == 0, "round half to even: round(0.5) = 0");
  Check(FirstForcedSample(2, 0.25) == 2, "round half to even: round(1.5) = 2");
  Check(FirstForcedSample(1, 0.34) == 1 && FirstForcedSample(1, 1.0) == 0, "percent 1 forces everything");
}

// Recipe 11.2's worked examples of the DDP split.
void TestSplitBatchAcrossRanks() {
  auto forced = [](const std::vector<RankBatch>& r) {
    std::vector<int> f;
    for (const RankBatch& b : r)
      f.push_back(b.batch_size -
                  std::min(b.batch_size, FirstForcedSample(b.batch_size, b.oversample_foreground_percent)));
    return f;
  };
  auto a = SplitBatchAcrossRanks(2, 2, true, 0.33);
  Check(a.size() == 2 && a[0].batch_size == 1 && a[1].batch_size == 1 && a[0].oversample_foreground_percent == 0.0 &&
            std::abs(a[1].oversample_foreground_percent - 0.66) < 1e-9 && forced(a) == std::vector<int>({0, 1}),
        "B=2, W=2, --dbs: [1,1], percents [0, 0.66], forced [0,1]");
  auto b = SplitBatchAcrossRanks(2, 2, false, 0.33);
  Check(b[0].batch_size == 2 && b[1].batch_size == 2 && std::abs(b[1].oversample_foreground_percent - 0.66) < 1e-9 &&
            forced(b) == std::vector<int>({0, 1}),
        "B=2, W=2, no dbs: [2,2], percents [0, 0.66], forced [0,1]");
  auto c = SplitBatchAcrossRanks(2, 4, false, 0.33);
  Check(std::abs(c[2].oversample_foreground_percent - 0.32) < 1e-9 && c[3].oversample_foreground_percent == 1.0 &&
            forced(c) == std::vector<int>({0, 0, 1, 2}),
        "B=2, W=4, no dbs: percents [0,0,0.32,1], forced [0,0,1,2]");
  auto d = SplitBatchAcrossRanks(2, 3, true, 0.33);
  Check(d[0].batch_size == 1 && d[1].batch_size == 1 && d[2].batch_size == 0, "B=2, W=3, --dbs: [1,1,0]");
  auto e = SplitBatchAcrossRanks(2, 4, true, 0.33);
  Check(e[2].batch_size == 0 && e[3].batch_size == 0, "B=2, W=4, --dbs: the tail is clamped at 0, not negative");
  auto f = SplitBatchAcrossRanks(2, 1, true, 0.33);
  Check(f.size() == 1 && f[0].batch_size == 2 && FirstForcedSample(2, f[0].oversample_foreground_percent) == 1,
        "one rank: the single-device rule");
}

void TestCornerBounds() {
  SyntheticCase c("a", {20, 20, 20}, {10, 10, 10}, false, 1);
  LoaderParams p;  // 128 / 205
  p.augment = NoAugmentation();
  PatchLoader loader({c.view}, p);
  Shape3 lb, ub;
  loader.CornerBounds({300, 482, 512}, &lb, &ub);
  Check(lb == Shape3({-39, -39, -39}) && ub == Shape3({134, 316, 346}), "need 77: lb = -39, ub = shape - 166");
  loader.CornerBounds({100, 300, 300}, &lb, &ub);  // smaller than the source patch: need = 205 - 100
  Check(lb[0] == -53 && ub[0] == -52,
        "small axis: need 105 -> lb -53, ub -52 (got " + Num(lb[0]) + ", " + Num(ub[0]) + ")");
  LoaderParams v = p;
  v.source_patch_size = v.patch_size;  // validation loader
  PatchLoader val({c.view}, v);
  val.CornerBounds({300, 482, 512}, &lb, &ub);
  Check(lb == Shape3({0, 0, 0}) && ub == Shape3({172, 354, 384}), "validation loader: need 0 -> [0, shape - 128]");
}

LoaderParams SmallParams(int batch) {
  LoaderParams p;
  p.patch_size = {32, 32, 32};
  p.source_patch_size = ReferenceSourcePatchSize(p.patch_size, p.augment);  // 51^3
  p.batch_size = batch;
  p.seed = 42;
  return p;
}

// Forced samples (j >= round(batch * 0.67)) are centred on a stored voxel and, even after the full
// augmentation chain, contain the foreground; random ones sample corners uniformly in [lb, ub].
void TestOversampling() {
  SyntheticCase a("case_a", {96, 80, 88}, {30, 50, 40}, false, 2);
  SyntheticCase b("case_b", {70, 90, 60}, {40, 30, 35}, true, 3);
  LoaderParams p = SmallParams(3);
  Check(p.source_patch_size == Shape3({51, 51, 51}), "32^3 patch -> 51^3 source patch");
  PatchLoader loader({a.view, b.view}, p);
  const int64_t n = loader.patch_voxels();
  std::vector<float> img(loader.image_floats_per_batch());
  std::vector<int8_t> lab(loader.label_bytes_per_batch());
  std::vector<SampleRecord> rec(3);
  int forced_ok = 0, forced_total = 0, random_with_fg = 0, random_total = 0, corner_ok = 0, class2 = 0, class1 = 0;
  int case_count[2] = {0, 0};
  for (int it = 0; it < 40; ++it) {
    loader.SampleBatch(it, img.data(), lab.data(), rec.data());
    for (int j = 0; j < 3; ++j) {
      const int8_t* l = lab.data() + j * n;
      const bool has_tumour = std::find(l, l + n, int8_t{2}) != l + n;
      const bool has_fg = std::any_of(l, l + n, [](int8_t v) { return v > 0; });
      ++case_count[rec[j].case_index];
      if (j >= 2) {
        ++forced_total;
        const bool fg_ok = rec[j].forced_class == 2 ? has_tumour : has_fg;
        forced_ok += rec[j].forced_foreground && fg_ok;
        class2 += rec[j].forced_class == 2;
        class1 += rec[j].forced_class == 1;
      } else {
        ++random_total;
        random_with_fg += has_fg;
        Shape3 lb, ub;
        loader.CornerBounds((rec[j].case_index == 0 ? a : b).shape, &lb, &ub);
        bool inside = !rec[j].forced_foreground && rec[j].forced_class == -1;
        for (int d = 0; d < 3; ++d) inside = inside && rec[j].corner[d] >= lb[d] && rec[j].corner[d] <= ub[d];
        corner_ok += inside;
      }
    }
  }
  Check(forced_ok == forced_total,
        "forced samples contain their class after augmentation (" + Num(forced_ok) + "/" + Num(forced_total) + ")");
  Check(random_with_fg < random_total,
        "random samples sometimes miss the foreground (" + Num(random_with_fg) + "/" + Num(random_total) + ")");
  Check(corner_ok == random_total, "random corners lie in [lb, ub]");
  Check(class1 > 0 && class2 > 0,
        "forced class drawn among present classes (1: " + Num(class1) + ", 2: " + Num(class2) + ")");
  Check(case_count[0] > 30 && case_count[1] > 30,
        "both cases drawn (" + Num(case_count[0]) + ", " + Num(case_count[1]) + ")");
}

// The forced corner is max(lb, voxel - source // 2) with no upper clamp; a case without
// foreground falls back to a random corner.
void TestForcedCorner() {
  SyntheticCase a("edge", {60, 60, 60}, {57, 3, 30}, false, 4);
  LoaderParams p = SmallParams(2);
  p.augment = NoAugmentation();
  PatchLoader loader({a.view}, p);
  Shape3 lb, ub;
  loader.CornerBounds(a.shape, &lb, &ub);
  std::vector<float> img(loader.image_floats_per_batch());
  std::vector<int8_t> lab(loader.label_bytes_per_batch());
  int ok = 0;
  for (int it = 0; it < 20; ++it) {
    std::vector<SampleRecord> rec(2);
    loader.SampleBatch(it, img.data(), lab.data(), rec.data());
    // Recover the voxel: the corner equals voxel - 25 unless clamped at lb.
    const Shape3& c = rec[1].corner;
    bool good = rec[1].forced_class == 2;
    for (int d = 0; d < 3; ++d) {
      const int64_t v = c[d] + 25;
      const int64_t centre = d == 0 ? 57 : (d == 1 ? 3 : 30);
      good = good && (std::abs(v - centre) <= 2 || (c[d] == lb[d] && centre - 2 - 25 <= lb[d]));
    }
    good = good && c[0] > ub[0];  // no upper clamp: z corner 30..34 lies above ub = 19
    ok += good;
  }
  Check(ok == 20, "forced corner = max(lb, voxel - 25), no upper clamp (" + Num(ok) + "/20)");

  SyntheticCase empty("empty", {40, 40, 40}, {-10, -10, -10}, false, 5);
  empty.view.class_locations.clear();
  PatchLoader fallback({empty.view}, p);
  std::vector<SampleRecord> rec(2);
  fallback.SampleBatch(0, img.data(), lab.data(), rec.data());
  Check(rec[1].forced_foreground && rec[1].forced_class == -1, "no foreground: the forced sample falls back to random");
}

// Validation loader: source = patch, no augmentation: the output is the crop at the corner.
void TestValidationLoader() {
  SyntheticCase a("val", {40, 44, 48}, {20, 20, 20}, true, 6);
  LoaderParams p = SmallParams(2);
  p.source_patch_size = p.patch_size;
  p.augment = NoAugmentation();
  PatchLoader loader({a.view}, p);
  std::vector<float> img(loader.image_floats_per_batch());
  std::vector<int8_t> lab(loader.label_bytes_per_batch());
  std::vector<SampleRecord> rec(2);
  int bad = 0;
  for (int it = 0; it < 5; ++it) {
    loader.SampleBatch(it, img.data(), lab.data(), rec.data());
    for (int j = 0; j < 2; ++j) {
      const Shape3& c = rec[j].corner;
      for (int64_t z = 0; z < 32; ++z)
        for (int64_t y = 0; y < 32; ++y)
          for (int64_t x = 0; x < 32; ++x) {
            const int64_t sz = z + c[0], sy = y + c[1], sx = x + c[2];
            const bool in = sz >= 0 && sz < 40 && sy >= 0 && sy < 44 && sx >= 0 && sx < 48;
            const int64_t si = (sz * 44 + sy) * 48 + sx;
            const float want = in ? a.image[si] : 0.0f;
            const int8_t want_l = in ? std::max<int8_t>(a.label[si], 0) : 0;
            const int64_t oi = j * 32768 + (z * 32 + y) * 32 + x;
            bad += img[oi] != want || lab[oi] != want_l;
          }
    }
  }
  Check(bad == 0, "validation loader returns the exact crop, label -1 -> 0 (" + Num(bad) + " bad)");
}

bool SameBatch(const LoadedBatch& a, const LoadedBatch& b) {
  return a.iteration == b.iteration && a.image.size() == b.image.size() &&
         std::memcmp(a.image.data(), b.image.data(), a.image.size() * sizeof(float)) == 0 && a.label == b.label;
}

void TestDeterminismAcrossThreads() {
  SyntheticCase a("a", {70, 64, 60}, {30, 30, 30}, true, 7);
  SyntheticCase b("b", {60, 72, 66}, {25, 40, 30}, true, 8);
  LoaderParams p = SmallParams(2);
  p.augment.p_rotation = p.augment.p_scale = 0.6;  // exercise the warp often
  auto loader = std::make_shared<const PatchLoader>(std::vector<LoaderCase>{a.view, b.view}, p);
  const int iters = 8;
  std::vector<std::unique_ptr<LoadedBatch>> one, three;
  {
    PrefetchLoader pool(loader, PrefetchOptions{1, 2, 0});
    for (int i = 0; i < iters; ++i) one.push_back(pool.Next());
  }
  {
    PrefetchLoader pool(loader, PrefetchOptions{3, 5, 0});
    for (int i = 0; i < iters; ++i) three.push_back(pool.Next());
  }
  int same = 0, order = 0;
  for (int i = 0; i < iters; ++i) {
    same += SameBatch(*one[i], *three[i]);
    order += one[i]->iteration == i;
  }
  Check(order == iters, "batches arrive in iteration order");
  Check(same == iters, "1 thread and 3 threads give bit-identical batches (" + Num(same) + "/" + Num(iters) + ")");
  // Direct call equals the pool; resuming at an iteration reproduces it; another seed differs.
  LoadedBatch direct;
  direct.iteration = 5;
  direct.image.resize(loader->image_floats_per_batch());
  direct.label.resize(loader->label_bytes_per_batch());
  loader->SampleBatch(5, direct.image.data(), direct.label.data(), nullptr);
  Check(SameBatch(direct, *one[5]), "SampleBatch(5) equals the pool's batch 5");
  {
    PrefetchLoader pool(loader, PrefetchOptions{2, 2, 5});
    auto first = pool.Next();
    Check(SameBatch(*first, *one[5]), "first_iteration 5 resumes with batch 5");
  }
  LoaderParams q = p;
  q.seed = 43;
  PatchLoader other({a.view, b.view}, q);
  other.SampleBatch(5, direct.image.data(), direct.label.data(), nullptr);
  Check(!SameBatch(direct, *one[5]), "another seed gives another batch");
  q = p;
  q.stream = 1;
  PatchLoader rank1({a.view, b.view}, q);
  rank1.SampleBatch(5, direct.image.data(), direct.label.data(), nullptr);
  Check(!SameBatch(direct, *one[5]), "another stream (rank) gives another batch");
}

void TestPoolErrorsAndShutdown() {
  // A maker that fails at iteration 3: batches 0..2 arrive, then Next() rethrows.
  BatchMaker failing = [](int64_t it, LoadedBatch& b) {
    if (it == 3) throw std::runtime_error("case 'broken' could not be read");
    b.image.assign(4, static_cast<float>(it));
  };
  int delivered = 0;
  std::string message;
  try {
    PrefetchLoader pool(failing, PrefetchOptions{2, 2, 0});
    for (int i = 0; i < 10; ++i) {
      auto b = pool.Next();
      delivered += b->image[0] == static_cast<float>(i);
    }
  } catch (const std::runtime_error& e) {
    message = e.what();
  }
  Check(delivered == 3 && message.find("broken") != std::string::npos,
        "a worker's exception reaches the consumer after the good batches (" + Num(delivered) + ", '" + message + "')");

  // Destroying a pool whose workers wait on a full queue returns promptly; depth bounds the lead.
  std::atomic<int> made{0};
  BatchMaker counting = [&made](int64_t, LoadedBatch& b) {
    ++made;
    b.image.assign(1, 0.0f);
  };
  const auto t0 = std::chrono::steady_clock::now();
  {
    PrefetchLoader pool(counting, PrefetchOptions{3, 4, 0});
    auto b = pool.Next();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    Check(made.load() <= 5, "workers stay at most `depth` batches ahead (" + Num(made.load()) + " made)");
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  Check(secs < 5.0, "stopping the pool joins its threads");
  bool threw = false;
  try {
    PrefetchLoader pool(counting, PrefetchOptions{0, 2, 0});
  } catch (const std::invalid_argument&) {
    threw = true;
  }
  Check(threw, "threads < 1 is rejected");
}

void TestPoolWaitTime() {
  // A slow loader: each batch takes 60 ms on the one worker and the consumer asks at once, so it stands still for
  // about 5 x 60 ms (never less than the 4 batches after the first that no worker can have made ahead).
  BatchMaker slow = [](int64_t, LoadedBatch& b) {
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
    b.image.assign(1, 0.0f);
  };
  double waited_slow = 0;
  {
    PrefetchLoader pool(slow, PrefetchOptions{1, 1, 0});
    for (int i = 0; i < 5; ++i) pool.Next();
    waited_slow = pool.waited_seconds();
  }
  Check(waited_slow >= 0.2, "a consumer waiting for a slow loader counts its wait (" + Num(waited_slow) + " s)");
  // A loader far ahead of a slow consumer: after the first batch every batch is ready when asked for.
  BatchMaker quick = [](int64_t, LoadedBatch& b) { b.image.assign(1, 0.0f); };
  double waited_quick = 0;
  {
    PrefetchLoader pool(quick, PrefetchOptions{2, 4, 0});
    for (int i = 0; i < 5; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(60));
      pool.Next();
    }
    waited_quick = pool.waited_seconds();
  }
  Check(waited_quick < 0.1, "no wait is counted when the batches are ready (" + Num(waited_quick) + " s)");
}

void TestBadCases() {
  SyntheticCase a("liver_7", {20, 20, 20}, {10, 10, 10}, false, 9);
  a.view.class_locations[0].voxels.push_back({3, 25, 4});
  std::string msg;
  try {
    PatchLoader loader({a.view}, SmallParams(2));
  } catch (const std::invalid_argument& e) {
    msg = e.what();
  }
  Check(msg.find("liver_7") != std::string::npos,
        "a class location outside the case is rejected naming the case: " + msg);
  SyntheticCase b("liver_8", {20, 20, 20}, {10, 10, 10}, false, 10);
  b.view.volume.label = nullptr;
  msg.clear();
  try {
    PatchLoader loader({b.view}, SmallParams(2));
  } catch (const std::invalid_argument& e) {
    msg = e.what();
  }
  Check(msg.find("liver_8") != std::string::npos, "missing label data is rejected naming the case");
  LoaderParams bad = SmallParams(2);
  bad.augment.p_rotation = -0.1;
  msg.clear();
  try {
    SyntheticCase c("c", {20, 20, 20}, {10, 10, 10}, false, 11);
    PatchLoader loader({c.view}, bad);
  } catch (const std::invalid_argument& e) {
    msg = e.what();
  }
  Check(msg.find("p_rotation") != std::string::npos, "bad augmentation parameters are rejected up front");
}

}  // namespace

int main() {
  TestFirstForcedSample();
  TestSplitBatchAcrossRanks();
  TestCornerBounds();
  TestOversampling();
  TestForcedCorner();
  TestValidationLoader();
  TestDeterminismAcrossThreads();
  TestPoolErrorsAndShutdown();
  TestPoolWaitTime();
  TestBadCases();
  return pipe_test::FinishChecks();
}

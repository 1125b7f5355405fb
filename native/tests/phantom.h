// Test fixture for the Node-free tests: writes small preprocessed-layout cases (<id>.data.npy float32 (1,Z,Y,X),
// <id>.seg.npy int8 (Z,Y,X)) holding a noisy sphere of class 1 with a smaller class-2 sphere inside, and the tiny
// UNet++ plan the tests and benches train on them.
#pragma once

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "core/cases.h"
#include "core/network_plan.h"
#include "core/npy.h"

namespace pipe_test {

inline std::string TempDir(const std::string& tag) {
  std::string tmpl = "/tmp/pipe-native-" + tag + "-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed");
  return buf.data();
}

// U[lo, hi) from the top 53 bits of an mt19937_64 draw (the phantoms of every earlier test run, bit for bit).
class PhantomRng {
 public:
  explicit PhantomRng(uint64_t seed) : engine_(seed) {}
  double Uniform() { return static_cast<double>(engine_() >> 11) * (1.0 / 9007199254740992.0); }
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }

 private:
  std::mt19937_64 engine_;
};

inline pipe_core::CaseSource WritePhantom(const std::string& dir, const std::string& id, int64_t n, uint64_t seed) {
  PhantomRng rng(seed);
  std::vector<float> img(static_cast<size_t>(n * n * n));
  std::vector<int8_t> seg(img.size());
  const double r = rng.Uniform(n * 0.18, n * 0.3);
  const double cz = rng.Uniform(r, n - r), cy = rng.Uniform(r, n - r), cx = rng.Uniform(r, n - r);
  size_t i = 0;
  for (int64_t z = 0; z < n; ++z)
    for (int64_t y = 0; y < n; ++y)
      for (int64_t x = 0; x < n; ++x, ++i) {
        const double d = std::sqrt((z - cz) * (z - cz) + (y - cy) * (y - cy) + (x - cx) * (x - cx));
        const int8_t label = d < r * 0.45 ? 2 : (d < r ? 1 : 0);
        seg[i] = (z == 0 && y == 0) ? -1 : label;
        img[i] = static_cast<float>((label == 2 ? 2.0 : label == 1 ? 1.0 : 0.0) + 0.3 * (rng.Uniform() - 0.5));
        if (seg[i] == -1) img[i] = 0.0f;  // outside the nonzero mask
      }
  pipe_core::CaseSource c;
  c.id = id;
  c.data_path = dir + "/" + id + ".data.npy";
  c.seg_path = dir + "/" + id + ".seg.npy";
  pipe_core::WriteNpy(c.data_path, "<f4", {1, n, n, n}, img.data(), sizeof(float));
  pipe_core::WriteNpy(c.seg_path, "|i1", {n, n, n}, seg.data(), 1);
  return c;
}

// A 3-class UNet++ of one input channel, features 4..8, two poolings: small enough to train in seconds on a CPU.
inline pipe_core::NetworkPlan TinyNetwork() {
  pipe_core::NetworkPlan n;
  n.in_channels = 1;
  n.num_classes = 3;
  n.base_features = 4;
  n.max_features = 8;
  n.pool_kernels.assign(2, {2, 2, 2});
  n.conv_kernels.assign(3, {3, 3, 3});
  return n;
}

}  // namespace pipe_test

#include "core/preprocess.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "core/preprocess_parallel.h"

namespace pipe_core {
namespace {

// Sums of x and x^2 in double over disjoint blocks, combined at the end (order-independent enough).
struct Moments {
  double sum = 0, sum2 = 0;
  int64_t count = 0;
};

}  // namespace

CropResult CropToNonzero(const std::vector<const float*>& channels, const int8_t* seg, const Shape3& shape,
                         int threads) {
  if (channels.empty()) throw std::invalid_argument("Expected at least one channel to crop but received none");
  const int64_t Z = shape[0], Y = shape[1], X = shape[2];
  // Per z slice: min/max y and x of nonzero voxels (NaN != 0 counts as nonzero, like numpy).
  std::vector<std::array<int64_t, 4>> slice_box(Z, {Y, -1, X, -1});
  ParallelFor(Z, threads, [&](int64_t z) {
    auto& b = slice_box[z];
    for (const float* ch : channels) {
      const float* s = ch + z * Y * X;
      for (int64_t y = 0; y < Y; ++y) {
        const float* row = s + y * X;
        int64_t first = -1, last = -1;
        for (int64_t x = 0; x < X; ++x) {
          if (row[x] != 0.0f) {
            if (first < 0) first = x;
            last = x;
          }
        }
        if (first >= 0) {
          b[0] = std::min(b[0], y);
          b[1] = std::max(b[1], y);
          b[2] = std::min(b[2], first);
          b[3] = std::max(b[3], last);
        }
      }
    }
  });
  CropResult r;
  int64_t z0 = Z, z1 = -1, y0 = Y, y1 = -1, x0 = X, x1 = -1;
  for (int64_t z = 0; z < Z; ++z) {
    const auto& b = slice_box[z];
    if (b[1] < 0) continue;
    z0 = std::min(z0, z), z1 = std::max(z1, z);
    y0 = std::min(y0, b[0]), y1 = std::max(y1, b[1]);
    x0 = std::min(x0, b[2]), x1 = std::max(x1, b[3]);
  }
  if (z1 < 0) throw std::invalid_argument("image is empty: every voxel of every channel is 0");
  r.bbox = {{{z0, z1 + 1}, {y0, y1 + 1}, {x0, x1 + 1}}};
  const int64_t cz = z1 + 1 - z0, cy = y1 + 1 - y0, cx = x1 + 1 - x0;
  r.shape = {cz, cy, cx};
  const int64_t n = cz * cy * cx;
  // Crop channels and build the nonzero mask (1) inside the box.
  std::vector<uint8_t> mask(static_cast<size_t>(n), 0);
  r.channels.resize(channels.size());
  for (auto& c : r.channels) c.resize(static_cast<size_t>(n));
  ParallelFor(cz, threads, [&](int64_t z) {
    for (size_t c = 0; c < channels.size(); ++c) {
      for (int64_t y = 0; y < cy; ++y) {
        const float* s = channels[c] + ((z + z0) * Y + (y + y0)) * X + x0;
        float* d = r.channels[c].data() + (z * cy + y) * cx;
        uint8_t* m = mask.data() + (z * cy + y) * cx;
        for (int64_t x = 0; x < cx; ++x) {
          const float v = s[x];
          if (v != 0.0f) m[x] = 1;
          d[x] = std::isnan(v) ? 0.0f : v;
        }
      }
    }
  });
  // Fill holes: background reachable from the box faces (6-connectivity) is outside (2); the rest
  // is filled. Everything outside the box is background connected to the volume border, so the box
  // faces stand in for the volume border.
  std::vector<uint32_t> stack;
  auto push = [&](int64_t i) {
    if (mask[i] == 0) {
      mask[i] = 2;
      stack.push_back(static_cast<uint32_t>(i));
    }
  };
  if (n > static_cast<int64_t>(std::numeric_limits<uint32_t>::max())) {
    throw std::invalid_argument("cropped volume has more than 2^32 voxels");
  }
  for (int64_t z = 0; z < cz; ++z) {
    for (int64_t y = 0; y < cy; ++y) {
      const int64_t row = (z * cy + y) * cx;
      if (z == 0 || z == cz - 1 || y == 0 || y == cy - 1) {
        for (int64_t x = 0; x < cx; ++x) push(row + x);
      } else {
        push(row);
        push(row + cx - 1);
      }
    }
  }
  while (!stack.empty()) {
    const int64_t i = stack.back();
    stack.pop_back();
    const int64_t x = i % cx, y = (i / cx) % cy, z = i / (cx * cy);
    if (x > 0) push(i - 1);
    if (x < cx - 1) push(i + 1);
    if (y > 0) push(i - cx);
    if (y < cy - 1) push(i + cx);
    if (z > 0) push(i - cx * cy);
    if (z < cz - 1) push(i + cx * cy);
  }
  r.seg.assign(static_cast<size_t>(n), 0);
  ParallelFor(cz, threads, [&](int64_t z) {
    for (int64_t y = 0; y < cy; ++y) {
      const int8_t* s = seg ? seg + ((z + z0) * Y + (y + y0)) * X + x0 : nullptr;
      int8_t* d = r.seg.data() + (z * cy + y) * cx;
      const uint8_t* m = mask.data() + (z * cy + y) * cx;
      for (int64_t x = 0; x < cx; ++x) {
        int8_t v = s ? s[x] : 0;
        if (v < -1) v = 0;
        if (v == 0 && m[x] == 2) v = -1;
        d[x] = v;
      }
    }
  });
  return r;
}

std::vector<float> SampleForeground(const float* image, const int8_t* seg, int64_t n, int64_t stride) {
  if (stride < 1) throw std::invalid_argument("Expected a positive stride but received " + std::to_string(stride));
  std::vector<float> out;
  int64_t k = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (seg[i] > 0) {
      if (k % stride == 0) out.push_back(image[i]);
      ++k;
    }
  }
  return out;
}

double Percentile(std::vector<float>& values, double q) {
  const int64_t n = static_cast<int64_t>(values.size());
  if (n == 0) return std::numeric_limits<double>::quiet_NaN();
  const double pos = q / 100.0 * static_cast<double>(n - 1);
  const int64_t lo = static_cast<int64_t>(std::floor(pos));
  const double t = pos - static_cast<double>(lo);
  std::nth_element(values.begin(), values.begin() + lo, values.end());
  const double a = values[lo];
  if (lo + 1 >= n) return a;
  const double b = *std::min_element(values.begin() + lo + 1, values.end());
  // numpy's _lerp: symmetric form for t >= 0.5.
  return t >= 0.5 ? b - (b - a) * (1.0 - t) : a + (b - a) * t;
}

IntensityStats ComputeIntensityStats(std::vector<float>& values) {
  IntensityStats s;
  s.count = static_cast<int64_t>(values.size());
  if (values.empty()) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    s.median = s.mean = s.sd = s.min = s.max = s.percentile_99_5 = s.percentile_00_5 = nan;
    return s;
  }
  double sum = 0;
  float mn = values[0], mx = values[0];
  for (float v : values) {
    sum += v;
    mn = std::min(mn, v);
    mx = std::max(mx, v);
  }
  s.mean = sum / static_cast<double>(values.size());
  double ss = 0;
  for (float v : values) ss += (v - s.mean) * (v - s.mean);
  s.sd = std::sqrt(ss / static_cast<double>(values.size()));
  s.min = mn;
  s.max = mx;
  s.median = Percentile(values, 50.0);
  s.percentile_99_5 = Percentile(values, 99.5);
  s.percentile_00_5 = Percentile(values, 0.5);
  return s;
}

void NormalizeCT(float* data, int64_t n, double lo, double hi, double mean, double sd, int threads) {
  if (!(sd > 0) || !std::isfinite(sd) || !std::isfinite(mean) || !(lo <= hi)) {
    throw std::invalid_argument("Expected finite CT statistics with sd > 0 and p0.5 <= p99.5 but received mean " +
                                std::to_string(mean) + ", sd " + std::to_string(sd) + ", range [" + std::to_string(lo) +
                                ", " + std::to_string(hi) + "]");
  }
  const int64_t block = 1 << 16;
  ParallelFor((n + block - 1) / block, threads, [&](int64_t b) {
    const int64_t end = std::min(n, (b + 1) * block);
    for (int64_t i = b * block; i < end; ++i) {
      const double v = std::min(std::max(static_cast<double>(data[i]), lo), hi);
      data[i] = static_cast<float>((v - mean) / sd);
    }
  });
}

void NormalizeZScore(float* data, const int8_t* mask, int64_t n, int threads) {
  const int64_t block = 1 << 16;
  const int64_t blocks = (n + block - 1) / block;
  std::vector<Moments> partial(static_cast<size_t>(blocks));
  ParallelFor(blocks, threads, [&](int64_t b) {
    Moments m;
    const int64_t end = std::min(n, (b + 1) * block);
    for (int64_t i = b * block; i < end; ++i) {
      if (mask && mask[i] < 0) continue;
      m.sum += data[i];
      ++m.count;
    }
    partial[b] = m;
  });
  Moments total;
  for (const auto& m : partial) total.sum += m.sum, total.count += m.count;
  if (total.count == 0) throw std::invalid_argument("no voxel inside the nonzero mask to normalise");
  const double mean = total.sum / static_cast<double>(total.count);
  ParallelFor(blocks, threads, [&](int64_t b) {
    double ss = 0;
    const int64_t end = std::min(n, (b + 1) * block);
    for (int64_t i = b * block; i < end; ++i) {
      if (mask && mask[i] < 0) continue;
      ss += (data[i] - mean) * (data[i] - mean);
    }
    partial[b].sum2 = ss;
  });
  double ss = 0;
  for (const auto& m : partial) ss += m.sum2;
  const double sd = std::sqrt(ss / static_cast<double>(total.count));
  ParallelFor(blocks, threads, [&](int64_t b) {
    const int64_t end = std::min(n, (b + 1) * block);
    for (int64_t i = b * block; i < end; ++i) {
      data[i] = (mask && mask[i] < 0) ? 0.0f : static_cast<float>((data[i] - mean) / (sd + 1e-8));
    }
  });
}

}  // namespace pipe_core

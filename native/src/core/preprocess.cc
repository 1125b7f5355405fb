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

template <typename T>
std::vector<float> SampleForeground(const T* image, const int8_t* seg, int64_t n, int64_t stride) {
  if (stride < 1) throw std::invalid_argument("Expected a positive stride but received " + std::to_string(stride));
  std::vector<float> out;
  int64_t k = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (seg[i] > 0) {
      if (k % stride == 0) out.push_back(static_cast<float>(image[i]));
      ++k;
    }
  }
  return out;
}

template std::vector<float> SampleForeground<float>(const float*, const int8_t*, int64_t, int64_t);
template std::vector<float> SampleForeground<int16_t>(const int16_t*, const int8_t*, int64_t, int64_t);

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

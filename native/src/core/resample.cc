#include "core/resample.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

#include "core/preprocess_parallel.h"

namespace pipe_core {
namespace {

constexpr int64_t kPad = 12;        // scipy pads lines by 12 edge values before prefiltering (mode 'nearest')
constexpr int64_t kChunk = 256;     // columns processed together when an axis is not the last one
const double kPole = std::sqrt(3.0) - 2.0;

void CheckShapes(const Shape3& shape, const Shape3& new_shape, int nearest_axis) {
  for (int a = 0; a < 3; ++a) {
    if (shape[a] < 1 || new_shape[a] < 1) {
      throw std::invalid_argument("Expected positive sizes for resampling but received shape [" +
                                  std::to_string(shape[0]) + "," + std::to_string(shape[1]) + "," +
                                  std::to_string(shape[2]) + "] -> [" + std::to_string(new_shape[0]) + "," +
                                  std::to_string(new_shape[1]) + "," + std::to_string(new_shape[2]) + "]");
    }
  }
  if (nearest_axis < -1 || nearest_axis > 2) {
    throw std::invalid_argument("Expected nearest_axis in -1..2 but received " + std::to_string(nearest_axis));
  }
}

inline int64_t Clamp(int64_t i, int64_t n) { return i < 0 ? 0 : (i >= n ? n - 1 : i); }

// Resamples axis `n -> m` of a C-order (outer, n, inner) float array with the cubic spline.
void SplineAxis(const float* src, float* dst, int64_t outer, int64_t n, int64_t inner, int64_t m, int threads) {
  const int64_t padded = n + 2 * kPad;
  // Per output sample: first tap in the padded line and the 4 weights.
  std::vector<int64_t> first(m);
  std::vector<std::array<double, 4>> weights(m);
  for (int64_t i = 0; i < m; ++i) {
    const double c = GridCoordinate(i, n, m) + kPad;
    const double f = std::floor(c);
    const double t = c - f;
    first[i] = static_cast<int64_t>(f) - 1;
    const double t2 = t * t, t3 = t2 * t, u = 1.0 - t;
    weights[i] = {u * u * u / 6.0, (4.0 - 6.0 * t2 + 3.0 * t3) / 6.0, (1.0 + 3.0 * t + 3.0 * t2 - 3.0 * t3) / 6.0,
                  t3 / 6.0};
  }
  const int64_t chunk = std::min(inner, kChunk);
  const int64_t chunks_per_outer = (inner + chunk - 1) / chunk;
  const int64_t units = outer * chunks_per_outer;
  ParallelFor(units, threads, [&](int64_t unit) {
    thread_local std::vector<double> buf;
    const int64_t o = unit / chunks_per_outer;
    const int64_t j0 = (unit % chunks_per_outer) * chunk;
    const int64_t w = std::min(chunk, inner - j0);
    buf.resize(static_cast<size_t>(padded * w));
    const float* s = src + o * n * inner + j0;
    for (int64_t r = 0; r < padded; ++r) {
      const float* row = s + Clamp(r - kPad, n) * inner;
      double* b = buf.data() + r * w;
      for (int64_t j = 0; j < w; ++j) b[j] = row[j];
    }
    for (int64_t j = 0; j < w; ++j) CubicSplinePrefilter(buf.data() + j, padded, w);
    float* d = dst + o * m * inner + j0;
    for (int64_t i = 0; i < m; ++i) {
      const auto& wt = weights[i];
      const double* r0 = buf.data() + Clamp(first[i], padded) * w;
      const double* r1 = buf.data() + Clamp(first[i] + 1, padded) * w;
      const double* r2 = buf.data() + Clamp(first[i] + 2, padded) * w;
      const double* r3 = buf.data() + Clamp(first[i] + 3, padded) * w;
      float* out = d + i * inner;
      for (int64_t j = 0; j < w; ++j) {
        out[j] = static_cast<float>(wt[0] * r0[j] + wt[1] * r1[j] + wt[2] * r2[j] + wt[3] * r3[j]);
      }
    }
  });
}

inline int64_t NearestIndex(int64_t i, int64_t n, int64_t m) {
  return Clamp(static_cast<int64_t>(std::floor(GridCoordinate(i, n, m) + 0.5)), n);
}

// Order 0 along axis `n -> m` of a C-order (outer, n, inner) array: whole rows are copied.
template <typename T>
void NearestAxis(const T* src, T* dst, int64_t outer, int64_t n, int64_t inner, int64_t m, int threads) {
  ParallelFor(outer * m, threads, [&](int64_t unit) {
    const int64_t o = unit / m, i = unit % m;
    const T* s = src + (o * n + NearestIndex(i, n, m)) * inner;
    std::copy(s, s + inner, dst + (o * m + i) * inner);
  });
}

struct Taps {
  // Up to two source indices and weights per output index of one axis.
  std::vector<std::array<int64_t, 2>> index;
  std::vector<std::array<double, 2>> weight;
};

Taps AxisTaps(int64_t n, int64_t m, bool nearest) {
  Taps taps;
  taps.index.resize(m);
  taps.weight.resize(m);
  for (int64_t i = 0; i < m; ++i) {
    if (nearest || n == m) {
      const int64_t k = n == m ? i : NearestIndex(i, n, m);
      taps.index[i] = {k, k};
      taps.weight[i] = {1.0, 0.0};
    } else {
      const double c = GridCoordinate(i, n, m);
      const double f = std::floor(c);
      const double t = c - f;
      const int64_t k = static_cast<int64_t>(f);
      taps.index[i] = {Clamp(k, n), Clamp(k + 1, n)};
      taps.weight[i] = {1.0 - t, t};
    }
  }
  return taps;
}

}  // namespace

void CubicSplinePrefilter(double* c, int64_t n, int64_t stride) {
  if (n < 2) return;
  const double z = kPole;
  const double gain = (1.0 - z) * (1.0 - 1.0 / z);
  for (int64_t i = 0; i < n; ++i) c[i * stride] *= gain;
  // Causal initialisation for mirror-symmetric boundaries (scipy's _init_causal_mirror).
  const double z_n_1 = std::pow(z, static_cast<double>(n - 1));
  double c0 = c[0] + z_n_1 * c[(n - 1) * stride];
  double z_i = z;
  for (int64_t i = 1; i < n - 1; ++i) {
    c0 += z_i * (c[i * stride] + z_n_1 * c[(n - 1 - i) * stride]);
    z_i *= z;
    if (std::fabs(z_i) < 1e-300) break;
  }
  c[0] = c0 / (1.0 - z_n_1 * z_n_1);
  for (int64_t i = 1; i < n; ++i) c[i * stride] += z * c[(i - 1) * stride];
  // Anticausal initialisation (scipy's _init_anticausal_mirror), then the backward pass.
  c[(n - 1) * stride] = (z * c[(n - 2) * stride] + c[(n - 1) * stride]) * z / (z * z - 1.0);
  for (int64_t i = n - 2; i >= 0; --i) c[i * stride] = z * (c[(i + 1) * stride] - c[i * stride]);
}

std::vector<float> ResampleImage(const float* src, const Shape3& shape, const Shape3& new_shape, int nearest_axis,
                                 int threads) {
  CheckShapes(shape, new_shape, nearest_axis);
  Shape3 cur = shape;
  std::vector<float> a(src, src + shape[0] * shape[1] * shape[2]);
  if (cur == new_shape) return a;
  std::vector<float> b;
  // Axes that shrink the volume most go first: the later passes then touch fewer voxels.
  std::array<int, 3> order{0, 1, 2};
  std::stable_sort(order.begin(), order.end(), [&](int p, int q) {
    return static_cast<double>(new_shape[p]) / shape[p] < static_cast<double>(new_shape[q]) / shape[q];
  });
  for (int axis : order) {
    if (cur[axis] == new_shape[axis]) continue;
    int64_t outer = 1, inner = 1;
    for (int k = 0; k < axis; ++k) outer *= cur[k];
    for (int k = axis + 1; k < 3; ++k) inner *= cur[k];
    b.assign(static_cast<size_t>(outer * new_shape[axis] * inner), 0.0f);
    if (axis == nearest_axis) {
      NearestAxis(a.data(), b.data(), outer, cur[axis], inner, new_shape[axis], threads);
    } else {
      SplineAxis(a.data(), b.data(), outer, cur[axis], inner, new_shape[axis], threads);
    }
    cur[axis] = new_shape[axis];
    a.swap(b);
  }
  return a;
}

std::vector<int8_t> ResampleLabels(const int8_t* src, const Shape3& shape, const Shape3& new_shape, int nearest_axis,
                                   int threads) {
  CheckShapes(shape, new_shape, nearest_axis);
  const int64_t total = shape[0] * shape[1] * shape[2];
  if (shape == new_shape) return std::vector<int8_t>(src, src + total);
  const Taps tz = AxisTaps(shape[0], new_shape[0], nearest_axis == 0);
  const Taps ty = AxisTaps(shape[1], new_shape[1], nearest_axis == 1);
  const Taps tx = AxisTaps(shape[2], new_shape[2], nearest_axis == 2);
  std::vector<int8_t> out(static_cast<size_t>(new_shape[0] * new_shape[1] * new_shape[2]));
  const int64_t sy = shape[2], sz = shape[1] * shape[2];
  ParallelFor(new_shape[0] * new_shape[1], threads, [&](int64_t unit) {
    const int64_t z = unit / new_shape[1], y = unit % new_shape[1];
    int8_t* row = out.data() + unit * new_shape[2];
    for (int64_t x = 0; x < new_shape[2]; ++x) {
      int8_t labels[8];
      double sums[8];
      int count = 0;
      for (int a = 0; a < 2; ++a) {
        const double wa = tz.weight[z][a];
        if (wa == 0.0) continue;
        for (int b = 0; b < 2; ++b) {
          const double wb = wa * ty.weight[y][b];
          if (wb == 0.0) continue;
          const int8_t* line = src + tz.index[z][a] * sz + ty.index[y][b] * sy;
          for (int c = 0; c < 2; ++c) {
            const double w = wb * tx.weight[x][c];
            if (w == 0.0) continue;
            const int8_t v = line[tx.index[x][c]];
            int k = 0;
            while (k < count && labels[k] != v) ++k;
            if (k == count) {
              labels[count] = v;
              sums[count++] = 0.0;
            }
            sums[k] += w;
          }
        }
      }
      // Ascending label order with overwrite == the highest label whose weight reaches 0.5.
      int best = 0;
      bool found = false;
      for (int k = 0; k < count; ++k) {
        if (sums[k] >= 0.5 && (!found || labels[k] > best)) {
          best = labels[k];
          found = true;
        }
      }
      row[x] = static_cast<int8_t>(found ? (best < -1 ? 0 : best) : 0);
    }
  });
  return out;
}

}  // namespace pipe_core

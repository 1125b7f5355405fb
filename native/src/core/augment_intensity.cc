// Intensity transforms of recipe 9.3 (noise, blur, brightness, contrast, low resolution, gamma)
// and mirroring, one channel at a time.
#include "core/augment_intensity.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace pipe_core {
namespace {

constexpr double kPole = -0.2679491924311227;
constexpr int kEdgePad = 12;  // edge replication before the spline prefilter (scipy pads 12 too)

struct Stats {
  double mean = 0.0, sd = 0.0, min = 0.0, max = 0.0;
};

Stats ComputeStats(const float* x, int64_t n) {
  Stats s;
  if (n == 0) return s;
  // Eight partial sums in double (independent add chains, vectorisable), then the centred second
  // pass for the variance, as numpy computes std.
  constexpr int kLanes = 8;
  double acc[kLanes] = {0, 0, 0, 0, 0, 0, 0, 0};
  float mn = x[0], mx = x[0];
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) {
      acc[l] += x[i + l];
      mn = std::min(mn, x[i + l]);
      mx = std::max(mx, x[i + l]);
    }
  double sum = 0.0;
  for (; i < n; ++i) {
    sum += x[i];
    mn = std::min(mn, x[i]);
    mx = std::max(mx, x[i]);
  }
  for (double a : acc) sum += a;
  s.mean = sum / static_cast<double>(n);
  double sq[kLanes] = {0, 0, 0, 0, 0, 0, 0, 0};
  i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) {
      const double d = x[i + l] - s.mean;
      sq[l] += d * d;
    }
  double total = 0.0;
  for (; i < n; ++i) total += (x[i] - s.mean) * (x[i] - s.mean);
  for (double a : sq) total += a;
  s.sd = std::sqrt(total / static_cast<double>(n));
  s.min = mn;
  s.max = mx;
  return s;
}

// scipy 'reflect' (half-sample symmetric): d c b a | a b c d | d c b a; -1 for 'constant' outside.
inline int64_t BorderIndex(int64_t i, int64_t n, bool constant) {
  if (constant) return (i < 0 || i >= n) ? -1 : i;
  const int64_t period = 2 * n;
  i %= period;
  if (i < 0) i += period;
  return i < n ? i : period - 1 - i;
}

// Applies the 1D kernel `w` (radius r) along `axis` of `in` into `out` (same shape).
void ConvolveAxis(const float* in, float* out, const Shape3& s, int axis, const std::vector<float>& w, bool constant) {
  const int64_t r = static_cast<int64_t>(w.size() / 2);
  const int64_t n = s[axis];
  if (axis == 2) {
    std::vector<float> line(static_cast<size_t>(n + 2 * r));
    for (int64_t row = 0; row < s[0] * s[1]; ++row) {
      const float* src = in + row * n;
      for (int64_t i = -r; i < n + r; ++i) {
        const int64_t j = BorderIndex(i, n, constant);
        line[static_cast<size_t>(i + r)] = j < 0 ? 0.0f : src[j];
      }
      float* dst = out + row * n;
      std::fill(dst, dst + n, 0.0f);
      for (int64_t k = 0; k <= 2 * r; ++k) {  // taps outside, outputs inside: vectorises over i
        const float wk = w[static_cast<size_t>(k)];
        const float* l = line.data() + k;
        for (int64_t i = 0; i < n; ++i) dst[i] += wk * l[i];
      }
    }
    return;
  }
  // axis 0 or 1: vectorise over the contiguous trailing dimensions.
  const int64_t outer = axis == 0 ? 1 : s[0];
  const int64_t inner = axis == 0 ? s[1] * s[2] : s[2];
  for (int64_t o = 0; o < outer; ++o) {
    const float* src = in + o * n * inner;
    float* dst = out + o * n * inner;
    for (int64_t i = 0; i < n; ++i) {
      float* d = dst + i * inner;
      std::fill(d, d + inner, 0.0f);
      for (int64_t k = -r; k <= r; ++k) {
        const float wk = w[static_cast<size_t>(k + r)];
        const int64_t ik = BorderIndex(i + k, n, constant);
        if (ik < 0) continue;
        const float* sr = src + ik * inner;
        for (int64_t j = 0; j < inner; ++j) d[j] += wk * sr[j];
      }
    }
  }
}

void PrefilterLine(double* line, int64_t n) {
  if (n < 2) return;
  const double z = kPole;
  // Mirror boundary, causal init truncated at |z|^k < 1e-12 (lines here are short enough).
  double sum = line[0], zk = z;
  for (int64_t k = 1; k < n && k < 24; ++k, zk *= z) sum += zk * line[k];
  line[0] = 6.0 * sum;
  for (int64_t k = 1; k < n; ++k) line[k] = 6.0 * line[k] + z * line[k - 1];
  line[n - 1] = z / (z * z - 1.0) * (line[n - 1] + z * line[n - 2]);
  for (int64_t k = n - 2; k >= 0; --k) line[k] = z * (line[k + 1] - line[k]);
}

}  // namespace

void AddGaussianNoise(float* data, int64_t n, double sigma, AugmentRng& rng) {
  for (int64_t i = 0; i < n; ++i) data[i] += static_cast<float>(sigma * rng.Normal());
}

void GaussianBlur(float* data, const Shape3& shape, double sigma, std::vector<float>* work) {
  GaussianFilter(data, shape, sigma, false, work);
}

void GaussianFilter(float* data, const Shape3& shape, double sigma, bool constant_border, std::vector<float>* work) {
  if (!(sigma > 0.0)) return;
  const int64_t r = static_cast<int64_t>(4.0 * sigma + 0.5);  // scipy: truncate 4
  std::vector<float> w(static_cast<size_t>(2 * r + 1));
  double total = 0.0;
  for (int64_t k = -r; k <= r; ++k) {
    const double v = std::exp(-0.5 * static_cast<double>(k * k) / (sigma * sigma));
    w[static_cast<size_t>(k + r)] = static_cast<float>(v);
    total += v;
  }
  for (float& v : w) v = static_cast<float>(v / total);
  const int64_t n = shape[0] * shape[1] * shape[2];
  work->resize(static_cast<size_t>(n));
  ConvolveAxis(data, work->data(), shape, 0, w, constant_border);
  ConvolveAxis(work->data(), data, shape, 1, w, constant_border);
  ConvolveAxis(data, work->data(), shape, 2, w, constant_border);
  std::copy(work->begin(), work->begin() + n, data);
}

void MultiplyBrightness(float* data, int64_t n, double factor) {
  const float f = static_cast<float>(factor);
  for (int64_t i = 0; i < n; ++i) data[i] *= f;
}

void AdjustContrast(float* data, int64_t n, double factor, bool preserve_range) {
  const Stats s = ComputeStats(data, n);
  const float mean = static_cast<float>(s.mean), f = static_cast<float>(factor);
  const float lo = static_cast<float>(s.min), hi = static_cast<float>(s.max);
  for (int64_t i = 0; i < n; ++i) {
    float v = (data[i] - mean) * f + mean;
    if (preserve_range) v = std::clamp(v, lo, hi);
    data[i] = v;
  }
}

void ResampleAxisCubic(const float* in, const Shape3& in_shape, int axis, int64_t out_len, float* out) {
  const int64_t n = in_shape[axis];
  Shape3 out_shape = in_shape;
  out_shape[axis] = out_len;
  // Taps and weights per output position (in padded-line coordinates).
  std::vector<int64_t> first(static_cast<size_t>(out_len));
  std::vector<double> weights(static_cast<size_t>(4 * out_len));
  for (int64_t o = 0; o < out_len; ++o) {
    const double c = (static_cast<double>(o) + 0.5) * static_cast<double>(n) / static_cast<double>(out_len) - 0.5;
    const double p = std::clamp(c, -0.5, static_cast<double>(n) - 0.5) + kEdgePad;
    const double f = std::floor(p);
    const double t = p - f, u = 1.0 - t;
    first[static_cast<size_t>(o)] = static_cast<int64_t>(f) - 1;
    double* w = &weights[static_cast<size_t>(4 * o)];
    w[0] = u * u * u / 6.0;
    w[1] = (3.0 * t * t * t - 6.0 * t * t + 4.0) / 6.0;
    w[2] = (-3.0 * t * t * t + 3.0 * t * t + 3.0 * t + 1.0) / 6.0;
    w[3] = t * t * t / 6.0;
  }
  // Strides of the axis in input and output, and the set of lines.
  const int64_t in_stride = axis == 2 ? 1 : (axis == 1 ? in_shape[2] : in_shape[1] * in_shape[2]);
  const int64_t out_stride = axis == 2 ? 1 : (axis == 1 ? out_shape[2] : out_shape[1] * out_shape[2]);
  std::vector<double> line(static_cast<size_t>(n + 2 * kEdgePad));
  // Each line once: its element 0 along `axis`.
  for (int64_t a = 0; a < (axis == 0 ? 1 : in_shape[0]); ++a) {
    for (int64_t b = 0; b < (axis == 1 ? 1 : in_shape[1]); ++b) {
      for (int64_t c = 0; c < (axis == 2 ? 1 : in_shape[2]); ++c) {
        const int64_t in_base = (a * in_shape[1] + b) * in_shape[2] + c;
        const int64_t out_base = (a * out_shape[1] + b) * out_shape[2] + c;
        for (int64_t i = 0; i < n + 2 * kEdgePad; ++i) {
          const int64_t src = std::clamp<int64_t>(i - kEdgePad, 0, n - 1);
          line[static_cast<size_t>(i)] = in[in_base + src * in_stride];
        }
        PrefilterLine(line.data(), n + 2 * kEdgePad);
        for (int64_t o = 0; o < out_len; ++o) {
          const double* w = &weights[static_cast<size_t>(4 * o)];
          const double* l = line.data() + first[static_cast<size_t>(o)];
          out[out_base + o * out_stride] = static_cast<float>(w[0] * l[0] + w[1] * l[1] + w[2] * l[2] + w[3] * l[3]);
        }
      }
    }
  }
}

void SimulateLowResolution(float* data, const Shape3& shape, double zoom, std::vector<float>* work_a,
                           std::vector<float>* work_b) {
  Shape3 small;
  for (int d = 0; d < 3; ++d)
    small[d] = std::max<int64_t>(1, static_cast<int64_t>(std::nearbyint(static_cast<double>(shape[d]) * zoom)));
  // Nearest (order 0) down: index floor((o + 0.5) * n / m).
  std::vector<int64_t> idx[3];
  for (int d = 0; d < 3; ++d) {
    idx[d].resize(static_cast<size_t>(small[d]));
    for (int64_t o = 0; o < small[d]; ++o)
      idx[d][static_cast<size_t>(o)] = std::min<int64_t>(
          shape[d] - 1, static_cast<int64_t>(std::floor((static_cast<double>(o) + 0.5) * static_cast<double>(shape[d]) /
                                                        static_cast<double>(small[d]))));
  }
  work_a->resize(static_cast<size_t>(shape[0] * shape[1] * shape[2]));
  work_b->resize(static_cast<size_t>(shape[0] * shape[1] * shape[2]));
  float* down = work_a->data();
  for (int64_t z = 0; z < small[0]; ++z)
    for (int64_t y = 0; y < small[1]; ++y)
      for (int64_t x = 0; x < small[2]; ++x)
        down[(z * small[1] + y) * small[2] + x] =
            data[(idx[0][static_cast<size_t>(z)] * shape[1] + idx[1][static_cast<size_t>(y)]) * shape[2] +
                 idx[2][static_cast<size_t>(x)]];
  // Cubic up, one axis at a time (the tensor-product spline is separable).
  Shape3 s1{small[0], small[1], shape[2]};
  ResampleAxisCubic(down, small, 2, shape[2], work_b->data());
  Shape3 s2{small[0], shape[1], shape[2]};
  ResampleAxisCubic(work_b->data(), s1, 1, shape[1], work_a->data());
  ResampleAxisCubic(work_a->data(), s2, 0, shape[0], data);
}

void ApplyGamma(float* data, int64_t n, double gamma, bool invert, bool retain_stats) {
  if (invert)
    for (int64_t i = 0; i < n; ++i) data[i] = -data[i];
  const Stats before = ComputeStats(data, n);
  const double range = before.max - before.min + 1e-7;
  const float mn = static_cast<float>(before.min), rg = static_cast<float>(range);
  const float inv = static_cast<float>(1.0 / range), g = static_cast<float>(gamma);
  for (int64_t i = 0; i < n; ++i) data[i] = std::pow((data[i] - mn) * inv, g) * rg + mn;
  if (retain_stats) {
    const Stats after = ComputeStats(data, n);
    const double f = before.sd / (after.sd + 1e-8);
    for (int64_t i = 0; i < n; ++i)
      data[i] = static_cast<float>((static_cast<double>(data[i]) - after.mean) * f + before.mean);
  }
  if (invert)
    for (int64_t i = 0; i < n; ++i) data[i] = -data[i];
}

namespace {
template <typename T>
void MirrorAxisImpl(T* data, const Shape3& s, int axis) {
  if (axis == 2) {
    for (int64_t r = 0; r < s[0] * s[1]; ++r) std::reverse(data + r * s[2], data + (r + 1) * s[2]);
  } else if (axis == 1) {
    for (int64_t z = 0; z < s[0]; ++z) {
      T* slab = data + z * s[1] * s[2];
      for (int64_t y = 0; y < s[1] / 2; ++y)
        std::swap_ranges(slab + y * s[2], slab + (y + 1) * s[2], slab + (s[1] - 1 - y) * s[2]);
    }
  } else if (axis == 0) {
    const int64_t plane = s[1] * s[2];
    for (int64_t z = 0; z < s[0] / 2; ++z)
      std::swap_ranges(data + z * plane, data + (z + 1) * plane, data + (s[0] - 1 - z) * plane);
  } else {
    throw std::invalid_argument("Expected axis 0, 1 or 2 for MirrorAxis but received " + std::to_string(axis));
  }
}
}  // namespace

void MirrorAxis(float* data, const Shape3& shape, int axis) { MirrorAxisImpl(data, shape, axis); }
void MirrorAxis(int8_t* data, const Shape3& shape, int axis) { MirrorAxisImpl(data, shape, axis); }

}  // namespace pipe_core

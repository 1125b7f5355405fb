// Spatial part of the augmentation: source patch size (recipe 9.2), window copy with the loader's
// padding, cubic B-spline coefficients and the rotation/scale/elastic warp (recipe 9.3 step 2).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/augment.h"

namespace pipe_core {
namespace {

using Mat3 = std::array<std::array<double, 3>, 3>;

constexpr double kPi = 3.14159265358979323846;
constexpr double kPole = -0.2679491924311227;  // sqrt(3) - 2, the cubic B-spline pole
constexpr int kPoleHorizon = 13;               // |pole|^13 < 1e-7
constexpr double kDomainSlack = 1e-6;          // tolerance of the "inside [0, S-1]" test

Mat3 Multiply(const Mat3& a, const Mat3& b) {
  Mat3 r{};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 3; ++k) r[i][j] += a[i][k] * b[k][j];
  return r;
}

// batchgenerators: R = Rx(ax) . Ry(ay) . Rz(az); coordinates are row vectors multiplied by R.
Mat3 RotationMatrix(const std::array<double, 3>& a) {
  const double cx = std::cos(a[0]), sx = std::sin(a[0]);
  const double cy = std::cos(a[1]), sy = std::sin(a[1]);
  const double cz = std::cos(a[2]), sz = std::sin(a[2]);
  const Mat3 rx{{{1, 0, 0}, {0, cx, -sx}, {0, sx, cx}}};
  const Mat3 ry{{{cy, 0, sy}, {0, 1, 0}, {-sy, 0, cy}}};
  const Mat3 rz{{{cz, -sz, 0}, {sz, cz, 0}, {0, 0, 1}}};
  return Multiply(Multiply(rx, ry), rz);
}

inline int64_t MirrorIndex(int64_t i, int64_t n) {
  if (n == 1) return 0;
  const int64_t period = 2 * n - 2;
  i = i % period;
  if (i < 0) i += period;
  return i < n ? i : period - i;
}

// Four floats in one vector register (GCC/Clang vector extension; SSE on x86-64, NEON on arm64).
typedef float Float4 __attribute__((vector_size(16)));

inline Float4 Load4(const float* p) {
  Float4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline void CubicWeights(double td, float w[4]) {
  const float t = static_cast<float>(td), u = 1.0f - t;
  const float t2 = t * t, t3 = t2 * t;
  constexpr float kSixth = 1.0f / 6.0f;
  w[0] = u * u * u * kSixth;
  w[1] = (3.0f * t3 - 6.0f * t2 + 4.0f) * kSixth;
  w[2] = (-3.0f * t3 + 3.0f * t2 + 3.0f * t + 1.0f) * kSixth;
  w[3] = t3 * kSixth;
}

// Causal initial value for mirror-symmetric boundaries (exact for short lines, truncated otherwise)
// over `lines` parallel lines: element k of line j sits at data[k * stride + j].
void CausalInit(const float* data, int64_t n, int64_t stride, int64_t lines, float* out) {
  if (n <= kPoleHorizon) {
    // Exact mirror sum: (s0 + z^(n-1) s_{n-1} + sum_{k=1}^{n-2} (z^k + z^(2n-2-k)) s_k) / (1 - z^(2n-2)).
    const double z = kPole;
    const double zn1 = std::pow(z, static_cast<double>(n - 1));
    const double denom = 1.0 - zn1 * zn1;
    for (int64_t j = 0; j < lines; ++j) out[j] = static_cast<float>(data[j] + zn1 * data[(n - 1) * stride + j]);
    for (int64_t k = 1; k < n - 1; ++k) {
      const float c =
          static_cast<float>(std::pow(z, static_cast<double>(k)) + std::pow(z, static_cast<double>(2 * n - 2 - k)));
      const float* row = data + k * stride;
      for (int64_t j = 0; j < lines; ++j) out[j] += c * row[j];
    }
    const float inv = static_cast<float>(1.0 / denom);
    for (int64_t j = 0; j < lines; ++j) out[j] *= inv;
    return;
  }
  for (int64_t j = 0; j < lines; ++j) out[j] = data[j];
  double zk = kPole;
  for (int64_t k = 1; k < kPoleHorizon; ++k, zk *= kPole) {
    const float c = static_cast<float>(zk);
    const float* row = data + k * stride;
    for (int64_t j = 0; j < lines; ++j) out[j] += c * row[j];
  }
}

// Prefilters `lines` parallel lines of length n (element k of line j at data[k*stride + j]).
void PrefilterLines(float* data, int64_t n, int64_t stride, int64_t lines, std::vector<float>* tmp) {
  if (n < 2) return;
  const float z = static_cast<float>(kPole);
  const float gain = 6.0f;  // (1 - z)(1 - 1/z)
  tmp->resize(static_cast<size_t>(lines));
  CausalInit(data, n, stride, lines, tmp->data());
  for (int64_t j = 0; j < lines; ++j) data[j] = gain * (*tmp)[j];
  for (int64_t k = 1; k < n; ++k) {
    float* row = data + k * stride;
    const float* prev = row - stride;
    for (int64_t j = 0; j < lines; ++j) row[j] = gain * row[j] + z * prev[j];
  }
  const float end = z / (z * z - 1.0f);
  float* last = data + (n - 1) * stride;
  const float* before = last - stride;
  for (int64_t j = 0; j < lines; ++j) last[j] = end * (last[j] + z * before[j]);
  for (int64_t k = n - 2; k >= 0; --k) {
    float* row = data + k * stride;
    const float* next = row + stride;
    for (int64_t j = 0; j < lines; ++j) row[j] = z * (next[j] - row[j]);
  }
}

// Prefilters one contiguous line.
void PrefilterLine(float* line, int64_t n) {
  if (n < 2) return;
  const float z = static_cast<float>(kPole);
  float init;
  CausalInit(line, n, 1, 1, &init);
  line[0] = 6.0f * init;
  for (int64_t k = 1; k < n; ++k) line[k] = 6.0f * line[k] + z * line[k - 1];
  line[n - 1] = z / (z * z - 1.0f) * (line[n - 1] + z * line[n - 2]);
  for (int64_t k = n - 2; k >= 0; --k) line[k] = z * (line[k + 1] - line[k]);
}

std::string ShapeText(const Shape3& s) {
  return "[" + std::to_string(s[0]) + "," + std::to_string(s[1]) + "," + std::to_string(s[2]) + "]";
}

}  // namespace

Shape3 EnlargedPatchSize(const Shape3& patch, const std::array<double, 3>& rotation_max_deg, double min_scale) {
  if (!(min_scale > 0.0))
    throw std::invalid_argument("Expected a positive min_scale for EnlargedPatchSize but received " +
                                std::to_string(min_scale));
  std::array<double, 3> size{static_cast<double>(patch[0]), static_cast<double>(patch[1]),
                             static_cast<double>(patch[2])};
  const std::array<double, 3> corner = size;
  for (int axis = 0; axis < 3; ++axis) {
    std::array<double, 3> angles{0.0, 0.0, 0.0};
    angles[axis] = std::min(kPi / 2.0, std::abs(rotation_max_deg[axis]) * kPi / 180.0);
    const Mat3 r = RotationMatrix(angles);
    for (int d = 0; d < 3; ++d) {
      double v = 0.0;
      for (int e = 0; e < 3; ++e) v += corner[e] * r[e][d];
      size[d] = std::max(size[d], std::abs(v));
    }
  }
  Shape3 out;
  for (int d = 0; d < 3; ++d) out[d] = static_cast<int64_t>(size[d] / min_scale);
  return out;
}

Shape3 ReferenceSourcePatchSize(const Shape3& patch, const AugmentParams& params) {
  std::array<double, 3> rot{0.0, 0.0, 0.0};
  if (params.do_rotation) rot = params.rotation_max_deg;
  return EnlargedPatchSize(patch, rot, kReferenceEnlargementMinScale);
}

void CopyWindow(const SourceWindow& w, float* image, int8_t* label) {
  const Shape3& vs = w.volume.shape;
  const Shape3& sz = w.size;
  const int64_t plane = sz[1] * sz[2];
  const int64_t vox = sz[0] * plane;
  const int64_t vplane = vs[1] * vs[2];
  const int64_t vvox = vs[0] * vplane;
  // In-volume range of each axis, in window coordinates: [lo, hi).
  int64_t lo[3], hi[3];
  for (int d = 0; d < 3; ++d) {
    lo[d] = std::clamp<int64_t>(-w.corner[d], 0, sz[d]);
    hi[d] = std::clamp<int64_t>(vs[d] - w.corner[d], lo[d], sz[d]);
  }
  for (int c = 0; c < (image ? w.volume.channels : 0); ++c) {
    float* dst = image + c * vox;
    const float* src = w.volume.image + c * vvox;
    for (int64_t z = 0; z < sz[0]; ++z) {
      for (int64_t y = 0; y < sz[1]; ++y) {
        float* row = dst + z * plane + y * sz[2];
        if (z < lo[0] || z >= hi[0] || y < lo[1] || y >= hi[1] || lo[2] >= hi[2]) {
          std::fill(row, row + sz[2], 0.0f);
          continue;
        }
        std::fill(row, row + lo[2], 0.0f);
        const float* s = src + (z + w.corner[0]) * vplane + (y + w.corner[1]) * vs[2] + (lo[2] + w.corner[2]);
        std::memcpy(row + lo[2], s, sizeof(float) * static_cast<size_t>(hi[2] - lo[2]));
        std::fill(row + hi[2], row + sz[2], 0.0f);
      }
    }
  }
  if (!label) return;
  for (int64_t z = 0; z < sz[0]; ++z) {
    for (int64_t y = 0; y < sz[1]; ++y) {
      int8_t* row = label + z * plane + y * sz[2];
      if (z < lo[0] || z >= hi[0] || y < lo[1] || y >= hi[1] || lo[2] >= hi[2]) {
        std::fill(row, row + sz[2], int8_t{-1});
        continue;
      }
      std::fill(row, row + lo[2], int8_t{-1});
      const int8_t* s = w.volume.label + (z + w.corner[0]) * vplane + (y + w.corner[1]) * vs[2] + (lo[2] + w.corner[2]);
      std::memcpy(row + lo[2], s, static_cast<size_t>(hi[2] - lo[2]));
      std::fill(row + hi[2], row + sz[2], int8_t{-1});
    }
  }
}

void BSplinePrefilter3D(float* data, const Shape3& s) {
  const int64_t plane = s[1] * s[2];
  std::vector<float> tmp;
  // z: all (y, x) lines of the volume at once.
  PrefilterLines(data, s[0], plane, plane, &tmp);
  // y: per z slab, all x lines at once.
  for (int64_t z = 0; z < s[0]; ++z) PrefilterLines(data + z * plane, s[1], s[2], s[2], &tmp);
  // x: contiguous lines, 8 at a time through a transposed block so the recursions run side by side
  // (one line alone is a serial dependency chain).
  constexpr int64_t kBlock = 8;
  const int64_t rows = s[0] * s[1], n = s[2];
  std::vector<float> block(static_cast<size_t>(n * kBlock));
  int64_t r0 = 0;
  for (; r0 + kBlock <= rows; r0 += kBlock) {
    const float* src = data + r0 * n;
    for (int64_t b = 0; b < kBlock; ++b)
      for (int64_t k = 0; k < n; ++k) block[static_cast<size_t>(k * kBlock + b)] = src[b * n + k];
    PrefilterLines(block.data(), n, kBlock, kBlock, &tmp);
    float* dst = data + r0 * n;
    for (int64_t b = 0; b < kBlock; ++b)
      for (int64_t k = 0; k < n; ++k) dst[b * n + k] = block[static_cast<size_t>(k * kBlock + b)];
  }
  for (; r0 < rows; ++r0) PrefilterLine(data + r0 * n, n);
}

void WarpPatch(float* source, const int8_t* source_label, int channels, const Shape3& S, const SpatialDraw& draw,
               const Shape3& P, float* out_image, int8_t* out_label) {
  for (int d = 0; d < 3; ++d)
    if (S[d] < 1 || P[d] < 1)
      throw std::invalid_argument("Expected positive shapes for WarpPatch but received source " + ShapeText(S) +
                                  " and patch " + ShapeText(P));
  const int64_t svox = S[0] * S[1] * S[2];
  const int64_t pvox = P[0] * P[1] * P[2];
  const int64_t splane = S[1] * S[2];
  if (out_image)
    for (int c = 0; c < channels; ++c) BSplinePrefilter3D(source + c * svox, S);

  // Source point = A (o - half + elastic) + centre, with A[d][e] = scale * R[e][d].
  const Mat3 r = RotationMatrix(draw.angles_rad);
  double a[3][3];
  for (int d = 0; d < 3; ++d)
    for (int e = 0; e < 3; ++e) a[d][e] = draw.scale * r[e][d];
  double centre[3], half[3], limit[3];
  for (int d = 0; d < 3; ++d) {
    centre[d] = std::nearbyint(static_cast<double>(S[d]) / 2.0);  // numpy round: half to even
    half[d] = (static_cast<double>(P[d]) - 1.0) / 2.0;
    limit[d] = static_cast<double>(S[d] - 1);
  }

  std::vector<int64_t> mz(4), my(4), mx(4);
  for (int64_t o0 = 0; o0 < P[0]; ++o0) {
    for (int64_t o1 = 0; o1 < P[1]; ++o1) {
      const double c0 = static_cast<double>(o0) - half[0];
      const double c1 = static_cast<double>(o1) - half[1];
      double base[3];
      for (int d = 0; d < 3; ++d) base[d] = a[d][0] * c0 + a[d][1] * c1 - a[d][2] * half[2] + centre[d];
      const int64_t row = (o0 * P[1] + o1) * P[2];
      for (int64_t o2 = 0; o2 < P[2]; ++o2) {
        const int64_t oi = row + o2;
        double p[3];
        for (int d = 0; d < 3; ++d) p[d] = base[d] + a[d][2] * static_cast<double>(o2);
        if (draw.elastic) {
          const double e0 = draw.elastic[oi], e1 = draw.elastic[pvox + oi], e2 = draw.elastic[2 * pvox + oi];
          for (int d = 0; d < 3; ++d) p[d] += a[d][0] * e0 + a[d][1] * e1 + a[d][2] * e2;
        }
        bool inside = true;
        for (int d = 0; d < 3; ++d) {
          if (p[d] < -kDomainSlack || p[d] > limit[d] + kDomainSlack) inside = false;
          p[d] = std::clamp(p[d], 0.0, limit[d]);
        }
        if (!inside) {
          if (out_image)
            for (int c = 0; c < channels; ++c) out_image[c * pvox + oi] = 0.0f;
          if (out_label) out_label[oi] = 0;
          continue;
        }
        // p >= 0 after the clamp, so truncation is floor (and avoids a libm call without SSE4.1).
        const int64_t f0 = static_cast<int64_t>(p[0]);
        const int64_t f1 = static_cast<int64_t>(p[1]);
        const int64_t f2 = static_cast<int64_t>(p[2]);
        const double t0 = p[0] - static_cast<double>(f0), t1 = p[1] - static_cast<double>(f1),
                     t2 = p[2] - static_cast<double>(f2);

        if (out_image) {
          float wz[4], wy[4], wx[4];
          CubicWeights(t0, wz);
          CubicWeights(t1, wy);
          CubicWeights(t2, wx);
          float wzy[16];
          for (int i = 0; i < 4; ++i)
            for (int j = 0; j < 4; ++j) wzy[4 * i + j] = wz[i] * wy[j];
          const bool interior = f0 >= 1 && f0 + 2 < S[0] && f1 >= 1 && f1 + 2 < S[1] && f2 >= 1 && f2 + 2 < S[2];
          if (interior) {
            // sum = sum_k wx[k] * (sum_{i,j} wz[i] wy[j] v[i][j][k]): 16 four-wide multiply-adds.
            const int64_t start = (f0 - 1) * splane + (f1 - 1) * S[2] + (f2 - 1);
            for (int c = 0; c < channels; ++c) {
              const float* q = source + c * svox + start;
              // One accumulator per z tap: four independent add chains instead of one of 16.
              Float4 acc[4];
              for (int i = 0; i < 4; ++i) {
                const float* r = q + i * splane;
                acc[i] = wzy[4 * i] * Load4(r) + wzy[4 * i + 1] * Load4(r + S[2]) +
                         wzy[4 * i + 2] * Load4(r + 2 * S[2]) + wzy[4 * i + 3] * Load4(r + 3 * S[2]);
              }
              const Float4 t = (acc[0] + acc[1]) + (acc[2] + acc[3]);
              out_image[c * pvox + oi] = (t[0] * wx[0] + t[1] * wx[1]) + (t[2] * wx[2] + t[3] * wx[3]);
            }
          } else {
            for (int i = 0; i < 4; ++i) {
              mz[i] = MirrorIndex(f0 - 1 + i, S[0]) * splane;
              my[i] = MirrorIndex(f1 - 1 + i, S[1]) * S[2];
              mx[i] = MirrorIndex(f2 - 1 + i, S[2]);
            }
            for (int c = 0; c < channels; ++c) {
              const float* q = source + c * svox;
              float sum = 0.0f;
              for (int i = 0; i < 4; ++i)
                for (int j = 0; j < 4; ++j) {
                  const float* v = q + mz[i] + my[j];
                  sum += wzy[4 * i + j] * (wx[0] * v[mx[0]] + wx[1] * v[mx[1]] + wx[2] * v[mx[2]] + wx[3] * v[mx[3]]);
                }
              out_image[c * pvox + oi] = sum;
            }
          }
        }

        if (out_label) {
          // Per-label linear masks; the highest label whose mask reaches 0.5 wins, else 0.
          const int64_t g0 = std::min<int64_t>(f0 + 1, S[0] - 1), g1 = std::min<int64_t>(f1 + 1, S[1] - 1),
                        g2 = std::min<int64_t>(f2 + 1, S[2] - 1);
          const int64_t zs[2] = {f0 * splane, g0 * splane};
          const int64_t ys[2] = {f1 * S[2], g1 * S[2]};
          const int64_t xs[2] = {f2, g2};
          int8_t lab[8];
          bool same = true;
          for (int k = 0; k < 8; ++k) {
            lab[k] = source_label[zs[k >> 2] + ys[(k >> 1) & 1] + xs[k & 1]];
            same = same && lab[k] == lab[0];
          }
          int8_t result = 0;
          if (same) {
            result = lab[0] > 0 ? lab[0] : 0;
          } else {
            const double wz2[2] = {1.0 - t0, t0}, wy2[2] = {1.0 - t1, t1}, wx2[2] = {1.0 - t2, t2};
            double w[8];
            for (int k = 0; k < 8; ++k) w[k] = wz2[k >> 2] * wy2[(k >> 1) & 1] * wx2[k & 1];
            for (int m = 0; m < 8; ++m) {
              if (lab[m] <= result) continue;  // only labels above the current winner matter
              double mass = 0.0;
              for (int n = 0; n < 8; ++n)
                if (lab[n] == lab[m]) mass += w[n];
              if (mass >= 0.5) result = lab[m];
            }
          }
          out_label[oi] = result;
        }
      }
    }
  }
}

}  // namespace pipe_core

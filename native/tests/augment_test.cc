// Node-free checks of the augmentation (core/augment*.h): each transform's geometry and statistics,
// label/image alignment under spatial transforms, the draw probabilities, determinism.
#include "core/augment.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/augment_intensity.h"
#include "tally.h"

using namespace pipe_core;

namespace {

using pipe_test::Check;
using pipe_test::Num;
using pipe_test::Voxels;

std::vector<float> RandomImage(int64_t n, uint64_t key, double scale = 1.0) {
  AugmentRng rng(key);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = static_cast<float>(rng.Normal() * scale);
  return v;
}

double Mean(const std::vector<float>& v) {
  double s = 0;
  for (float x : v) s += x;
  return s / static_cast<double>(v.size());
}

double Std(const std::vector<float>& v) {
  const double m = Mean(v);
  double s = 0;
  for (float x : v) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(v.size()));
}

double MaxAbsDiff(const float* a, const float* b, int64_t n) {
  double m = 0;
  for (int64_t i = 0; i < n; ++i) m = std::max(m, static_cast<double>(std::abs(a[i] - b[i])));
  return m;
}

// Spheres of label 1 and 2 in background 0, a -1 rim outside an ellipsoidal "body" mask.
std::vector<int8_t> BlobLabels(const Shape3& s) {
  std::vector<int8_t> l(static_cast<size_t>(Voxels(s)));
  for (int64_t z = 0; z < s[0]; ++z)
    for (int64_t y = 0; y < s[1]; ++y)
      for (int64_t x = 0; x < s[2]; ++x) {
        const double dz = (z - 0.5 * s[0]) / (0.48 * s[0]), dy = (y - 0.5 * s[1]) / (0.48 * s[1]),
                     dx = (x - 0.5 * s[2]) / (0.48 * s[2]);
        int8_t v = dz * dz + dy * dy + dx * dx > 1.0 ? -1 : 0;
        const double r1 = std::hypot(std::hypot(z - 0.40 * s[0], y - 0.45 * s[1]), x - 0.40 * s[2]);
        const double r2 = std::hypot(std::hypot(z - 0.62 * s[0], y - 0.55 * s[1]), x - 0.60 * s[2]);
        if (r1 < 0.18 * s[0]) v = 1;
        if (r2 < 0.10 * s[0]) v = 2;
        l[static_cast<size_t>((z * s[1] + y) * s[2] + x)] = v;
      }
  return l;
}

AugmentParams OnlySpatial() {
  AugmentParams p = NoAugmentation();
  p.do_rotation = p.do_scale = true;
  p.p_rotation = p.p_scale = 1.0;
  return p;
}

// ---------------------------------------------------------------------------------------------

void TestEnlargedPatchSize() {
  const Shape3 p{128, 128, 128};
  const Shape3 a = EnlargedPatchSize(p, {30, 30, 30}, 0.85);
  Check(a == Shape3({205, 205, 205}), "EnlargedPatchSize(128, 30deg, 0.85) = 205^3, got " + Num(a[0]));
  const Shape3 b = EnlargedPatchSize(p, {30, 30, 30}, 0.7);
  Check(b == Shape3({249, 249, 249}), "EnlargedPatchSize(128, 30deg, 0.7) = 249^3, got " + Num(b[0]));
  const Shape3 c = ReferenceSourcePatchSize(p, AugmentParams{});
  Check(c == Shape3({205, 205, 205}), "ReferenceSourcePatchSize(128) = 205^3 (the 0.85 quirk)");
  const Shape3 d = EnlargedPatchSize({64, 128, 96}, {0, 0, 0}, 1.0);
  Check(d == Shape3({64, 128, 96}), "no rotation, scale 1: the patch itself");
  const Shape3 e = EnlargedPatchSize({128, 128, 128}, {120, 0, 0}, 1.0);  // capped at 90 deg
  Check(e == Shape3({128, 128, 128}), "angles are capped at 90 deg");
}

// The cubic spline interpolates: a warp with no rotation/scale lands on integer source points when
// (S - P) is even and S/2 rounds to the crop centre, and must reproduce the centre crop.
void TestIdentityWarpIsCentreCrop() {
  const Shape3 S{21, 19, 23}, P{11, 9, 13};  // centres round(S/2) = 10, 10 (9.5 -> 10), 12 (11.5 -> 12)
  std::vector<float> img = RandomImage(Voxels(S), 1);
  std::vector<int8_t> lab = BlobLabels(S);
  std::vector<float> coef = img;
  std::vector<float> out(static_cast<size_t>(Voxels(P)));
  std::vector<int8_t> out_l(static_cast<size_t>(Voxels(P)));
  WarpPatch(coef.data(), lab.data(), 1, S, SpatialDraw{}, P, out.data(), out_l.data());
  // Reference: source point = o - (P-1)/2 + round_half_even(S/2) = o + {5, 6, 6}.
  const int64_t off[3] = {5, 6, 6};
  double err = 0;
  int label_mismatch = 0;
  for (int64_t z = 0; z < P[0]; ++z)
    for (int64_t y = 0; y < P[1]; ++y)
      for (int64_t x = 0; x < P[2]; ++x) {
        const int64_t si = ((z + off[0]) * S[1] + y + off[1]) * S[2] + x + off[2];
        const int64_t oi = (z * P[1] + y) * P[2] + x;
        err = std::max(err, static_cast<double>(std::abs(out[oi] - img[si])));
        const int8_t want = lab[si] < 0 ? 0 : lab[si];
        label_mismatch += out_l[oi] != want;
      }
  Check(err < 2e-4, "identity warp reproduces the source at integer points (max err " + Num(err) + ")");
  Check(label_mismatch == 0, "identity warp reproduces labels exactly (" + Num(label_mismatch) + " mismatches)");

  // And AugmentSample's own centre crop (nothing fires) is an exact copy, label -1 -> 0.
  Volume v{img.data(), lab.data(), 1, S};
  SourceWindow w{v, {0, 0, 0}, S};
  AugmentRng rng(7);
  AugmentScratch scratch;
  std::vector<float> crop(static_cast<size_t>(Voxels(P)));
  std::vector<int8_t> crop_l(static_cast<size_t>(Voxels(P)));
  const AppliedAugmentation rec = AugmentSample(NoAugmentation(), w, P, rng, crop.data(), crop_l.data(), &scratch);
  int bad = 0;
  for (int64_t z = 0; z < P[0]; ++z)
    for (int64_t y = 0; y < P[1]; ++y)
      for (int64_t x = 0; x < P[2]; ++x) {
        const int64_t si = ((z + 5) * S[1] + y + 5) * S[2] + x + 5;  // (S - P) // 2
        const int64_t oi = (z * P[1] + y) * P[2] + x;
        bad += crop[oi] != img[si] || crop_l[oi] != (lab[si] < 0 ? 0 : lab[si]);
      }
  Check(!rec.Spatial() && bad == 0, "no spatial draw: exact centre crop ((S-P)//2), -1 -> 0 (" + Num(bad) + " bad)");
}

// 90 degrees about axis 0 maps source (c0, c1, c2) -> output with source = (c0, c2, -c1) + centre.
void TestRotation90IsTransposeFlip() {
  const Shape3 S{17, 17, 17}, P{11, 11, 11};
  std::vector<float> img = RandomImage(Voxels(S), 2);
  std::vector<int8_t> lab = BlobLabels(S);
  for (int axis = 0; axis < 3; ++axis) {
    std::vector<float> coef = img;
    std::vector<float> out(static_cast<size_t>(Voxels(P)));
    std::vector<int8_t> out_l(static_cast<size_t>(Voxels(P)));
    SpatialDraw draw;
    draw.angles_rad[axis] = 3.14159265358979323846 / 2;
    WarpPatch(coef.data(), lab.data(), 1, S, draw, P, out.data(), out_l.data());
    double err = 0;
    int bad_labels = 0;
    for (int64_t o0 = 0; o0 < P[0]; ++o0)
      for (int64_t o1 = 0; o1 < P[1]; ++o1)
        for (int64_t o2 = 0; o2 < P[2]; ++o2) {
          const int64_t c[3] = {o0 - 5, o1 - 5, o2 - 5};
          int64_t s[3];
          // Row vector times the elementary rotation (batchgenerators convention).
          if (axis == 0) {
            s[0] = c[0];
            s[1] = c[2];
            s[2] = -c[1];
          } else if (axis == 1) {
            s[0] = -c[2];
            s[1] = c[1];
            s[2] = c[0];
          } else {
            s[0] = c[1];
            s[1] = -c[0];
            s[2] = c[2];
          }
          const int64_t si = ((s[0] + 8) * S[1] + s[1] + 8) * S[2] + s[2] + 8;
          const int64_t oi = (o0 * P[1] + o1) * P[2] + o2;
          err = std::max(err, static_cast<double>(std::abs(out[oi] - img[si])));
          bad_labels += out_l[oi] != (lab[si] < 0 ? 0 : lab[si]);
        }
    Check(err < 2e-4, "rotation 90deg about axis " + Num(axis) + " = transpose+flip (max err " + Num(err) + ")");
    Check(bad_labels == 0, "rotation 90deg about axis " + Num(axis) + " moves labels the same way");
  }
}

// A linear ramp is reproduced exactly by the cubic spline away from the border: checks the whole
// affine map (rotation order, scale, the round-half-even centre) against an independent formula.
void TestAffineMapOnRamp() {
  const Shape3 S{41, 37, 45}, P{24, 20, 26};
  std::vector<float> img(static_cast<size_t>(Voxels(S)));
  for (int64_t z = 0; z < S[0]; ++z)
    for (int64_t y = 0; y < S[1]; ++y)
      for (int64_t x = 0; x < S[2]; ++x)
        img[(z * S[1] + y) * S[2] + x] = static_cast<float>(0.5 * z - 0.25 * y + 0.125 * x);
  std::vector<int8_t> lab(static_cast<size_t>(Voxels(S)), 0);
  std::vector<float> coef = img;
  std::vector<float> out(static_cast<size_t>(Voxels(P)));
  std::vector<int8_t> out_l(static_cast<size_t>(Voxels(P)));
  SpatialDraw draw;
  draw.angles_rad = {0.3, -0.2, 0.4};
  draw.scale = 0.8;
  WarpPatch(coef.data(), lab.data(), 1, S, draw, P, out.data(), out_l.data());
  // Independent: v' = v . Rx . Ry . Rz (row vector), then * scale, + round_half_even(S/2).
  auto rot = [](const double v[3], int axis, double a, double r[3]) {
    const double c = std::cos(a), s = std::sin(a);
    if (axis == 0) {
      r[0] = v[0];
      r[1] = v[1] * c + v[2] * s;
      r[2] = -v[1] * s + v[2] * c;
    }
    if (axis == 1) {
      r[0] = v[0] * c - v[2] * s;
      r[1] = v[1];
      r[2] = v[0] * s + v[2] * c;
    }
    if (axis == 2) {
      r[0] = v[0] * c + v[1] * s;
      r[1] = -v[0] * s + v[1] * c;
      r[2] = v[2];
    }
  };
  const double centre[3] = {20, 18, 22};  // round(20.5) = 20, round(18.5) = 18, round(22.5) = 22
  double err = 0;
  int checked = 0;
  for (int64_t o0 = 0; o0 < P[0]; ++o0)
    for (int64_t o1 = 0; o1 < P[1]; ++o1)
      for (int64_t o2 = 0; o2 < P[2]; ++o2) {
        const double c[3] = {o0 - (P[0] - 1) / 2.0, o1 - (P[1] - 1) / 2.0, o2 - (P[2] - 1) / 2.0};
        double a[3], b[3], d[3];
        rot(c, 0, draw.angles_rad[0], a);
        rot(a, 1, draw.angles_rad[1], b);
        rot(b, 2, draw.angles_rad[2], d);
        double p[3];
        bool interior = true;
        for (int k = 0; k < 3; ++k) {
          p[k] = d[k] * draw.scale + centre[k];
          interior = interior && p[k] > 3 && p[k] < S[k] - 4;
        }
        if (!interior) continue;
        const double want = 0.5 * p[0] - 0.25 * p[1] + 0.125 * p[2];
        err = std::max(err, std::abs(out[(o0 * P[1] + o1) * P[2] + o2] - want));
        ++checked;
      }
  Check(checked > 1000 && err < 1e-3, "rotation+scale map matches the reference formula on a ramp (max err " +
                                          Num(err) + ", " + Num(checked) + " voxels)");
}

// image = label * 100 + noise: after random rotations/scales (and elastic), labels and images agree.
void TestLabelsStayAligned(bool elastic) {
  const Shape3 S{51, 51, 51}, P{32, 32, 32};
  std::vector<int8_t> lab = BlobLabels(S);
  std::vector<float> img = RandomImage(Voxels(S), 3, 2.0);
  for (size_t i = 0; i < img.size(); ++i) img[i] += 100.0f * std::max<int8_t>(lab[i], 0);
  Volume v{img.data(), lab.data(), 1, S};
  AugmentParams params = OnlySpatial();
  if (elastic) {
    params.do_elastic = true;
    params.p_elastic = 1.0;
    params.elastic_alpha_min = params.elastic_alpha_max = 300.0;
    params.elastic_sigma_min = params.elastic_sigma_max = 6.0;
  }
  AugmentScratch scratch;
  double worst = 1.0;
  int64_t fg = 0;
  for (int trial = 0; trial < 6; ++trial) {
    AugmentRng rng = AugmentRng::ForSample(11, 0, trial, 0);
    std::vector<float> out(static_cast<size_t>(Voxels(P)));
    std::vector<int8_t> out_l(static_cast<size_t>(Voxels(P)));
    SourceWindow w{v, {0, 0, 0}, S};
    AugmentSample(params, w, P, rng, out.data(), out_l.data(), &scratch);
    int64_t agree = 0;
    for (int64_t i = 0; i < Voxels(P); ++i) {
      const long want = std::lround(out[i] / 100.0);
      agree += want == out_l[i];
      fg += out_l[i] > 0;
    }
    worst = std::min(worst, static_cast<double>(agree) / static_cast<double>(Voxels(P)));
  }
  Check(worst > 0.97 && fg > 0, std::string(elastic ? "elastic+" : "") +
                                    "rotation+scale keep labels on their image values (worst agreement " + Num(worst) +
                                    ")");
}

// Two channels share one spatial transform and mirroring (channel 1 = 2 * channel 0 + 1 stays so:
// the spline is linear and reproduces constants); per-channel intensity draws differ.
void TestChannels() {
  const Shape3 S{31, 31, 31}, P{19, 19, 19};
  const int64_t n = Voxels(S), m = Voxels(P);
  std::vector<float> img = RandomImage(2 * n, 15);
  for (int64_t i = 0; i < n; ++i) img[n + i] = 2.0f * img[i] + 1.0f;
  std::vector<int8_t> lab = BlobLabels(S);
  Volume v{img.data(), lab.data(), 2, S};
  AugmentParams p = OnlySpatial();
  p.do_mirror = true;
  AugmentScratch scratch;
  std::vector<float> out(static_cast<size_t>(2 * m));
  std::vector<int8_t> out_l(static_cast<size_t>(m));
  // Points outside the source give 0 in both channels and break the relation, so zoom in (scale
  // 0.8): every output point then lies inside the source.
  int64_t bad = 0, total = 0;
  {
    AugmentRng rng = AugmentRng::ForSample(21, 0, 7, 0);
    AugmentParams q = p;
    q.scale_min = q.scale_max = 0.8;  // zoom in: every output point lies inside the source
    AugmentSample(q, SourceWindow{v, {0, 0, 0}, S}, P, rng, out.data(), out_l.data(), &scratch);
    for (int64_t i = 0; i < m; ++i, ++total) bad += std::abs(out[m + i] - (2.0 * out[i] + 1.0)) > 1e-3;
  }
  Check(bad == 0, "channels share the spatial transform and mirroring (" + Num(bad) + "/" + Num(total) + " off)");
  // Brightness draws one factor per channel.
  AugmentParams b = NoAugmentation();
  b.do_brightness = true;
  b.p_brightness = 1.0;
  std::vector<float> ones(static_cast<size_t>(2 * n), 1.0f);
  Volume vo{ones.data(), lab.data(), 2, S};
  AugmentRng rng = AugmentRng::ForSample(22, 0, 0, 0);
  AugmentSample(b, SourceWindow{vo, {0, 0, 0}, S}, P, rng, out.data(), out_l.data(), &scratch);
  Check(out[0] != out[m], "brightness draws a factor per channel (" + Num(out[0]) + " vs " + Num(out[m]) + ")");
}

void TestNoise() {
  const Shape3 s{32, 32, 32};
  std::vector<float> a = RandomImage(Voxels(s), 4);
  std::vector<float> b = a;
  AugmentRng rng(5);
  AddGaussianNoise(b.data(), Voxels(s), 0.07, rng);
  std::vector<float> d(a.size());
  for (size_t i = 0; i < a.size(); ++i) d[i] = b[i] - a[i];
  Check(std::abs(Std(d) - 0.07) < 0.002 && std::abs(Mean(d)) < 0.001,
        "noise: added std " + Num(Std(d)) + " ~ 0.07 (sigma is the std), mean " + Num(Mean(d)));
}

void TestBlur() {
  const Shape3 s{31, 29, 33};
  std::vector<float> a(static_cast<size_t>(Voxels(s)), 0.0f);
  const int64_t cz = 15, cy = 14, cx = 16;
  a[(cz * s[1] + cy) * s[2] + cx] = 1.0f;
  std::vector<float> work;
  const double sigma = 0.8;
  GaussianBlur(a.data(), s, sigma, &work);
  double sum = 0, m2[3] = {0, 0, 0};
  for (int64_t z = 0; z < s[0]; ++z)
    for (int64_t y = 0; y < s[1]; ++y)
      for (int64_t x = 0; x < s[2]; ++x) {
        const double v = a[(z * s[1] + y) * s[2] + x];
        sum += v;
        m2[0] += v * (z - cz) * (z - cz);
        m2[1] += v * (y - cy) * (y - cy);
        m2[2] += v * (x - cx) * (x - cx);
      }
  // Discrete normalised Gaussian truncated at 4 sigma: its variance is within 1% of sigma^2 here.
  bool ok = std::abs(sum - 1.0) < 1e-5;
  for (double m : m2) ok = ok && std::abs(m - sigma * sigma) < 0.01 * sigma * sigma + 1e-3;
  Check(ok, "blur: mass kept (" + Num(sum) + "), variance per axis ~ sigma^2 (" + Num(m2[0]) + "," + Num(m2[1]) + "," +
                Num(m2[2]) + ")");
  // Reflect border: a constant volume stays constant.
  std::vector<float> c(static_cast<size_t>(Voxels(s)), 3.0f);
  GaussianBlur(c.data(), s, 1.0, &work);
  double dev = 0;
  for (float v : c) dev = std::max(dev, std::abs(v - 3.0));
  Check(dev < 1e-5, "blur: constant volume unchanged with the reflect border (" + Num(dev) + ")");
}

void TestContrast() {
  const Shape3 s{16, 16, 16};
  std::vector<float> a = RandomImage(Voxels(s), 6);
  const float mn = *std::min_element(a.begin(), a.end()), mx = *std::max_element(a.begin(), a.end());
  std::vector<float> b = a;
  AdjustContrast(b.data(), Voxels(s), 0.8, true);
  Check(std::abs(Mean(b) - Mean(a)) < 1e-5 && std::abs(Std(b) / Std(a) - 0.8) < 1e-4,
        "contrast 0.8: mean kept, std scaled by 0.8 (" + Num(Std(b) / Std(a)) + ")");
  std::vector<float> c = a;
  AdjustContrast(c.data(), Voxels(s), 1.25, true);
  const float cmn = *std::min_element(c.begin(), c.end()), cmx = *std::max_element(c.begin(), c.end());
  Check(cmn == mn && cmx == mx, "contrast 1.25 with preserve_range keeps the exact min/max");
  Check(Std(c) > Std(a), "contrast 1.25 increases the spread");
}

void TestGamma() {
  const Shape3 s{16, 16, 16};
  std::vector<float> a = RandomImage(Voxels(s), 8);
  for (bool invert : {false, true}) {
    for (double g : {0.7, 1.45}) {
      std::vector<float> b = a;
      ApplyGamma(b.data(), Voxels(s), g, invert, true);
      const double changed = MaxAbsDiff(a.data(), b.data(), Voxels(s));
      Check(std::abs(Mean(b) - Mean(a)) < 1e-4 && std::abs(Std(b) - Std(a)) < 1e-4 && changed > 0.01,
            std::string(invert ? "inverted " : "") + "gamma " + Num(g) + " retains mean/std (" +
                Num(Mean(b) - Mean(a)) + ", " + Num(Std(b) - Std(a)) + ") and changes values (" + Num(changed) + ")");
    }
  }
  std::vector<float> b = a;
  ApplyGamma(b.data(), Voxels(s), 1.0, false, false);
  Check(MaxAbsDiff(a.data(), b.data(), Voxels(s)) < 1e-5, "gamma 1 without retain_stats is the identity");
  // gamma > 1 without retaining stats pulls values towards the minimum: the mean drops.
  std::vector<float> c = a;
  ApplyGamma(c.data(), Voxels(s), 1.5, false, false);
  Check(Mean(c) < Mean(a) && *std::min_element(c.begin(), c.end()) == *std::min_element(a.begin(), a.end()),
        "gamma 1.5: mean drops, min kept");
}

void TestLowResolution() {
  const Shape3 s{24, 20, 28};
  std::vector<float> a = RandomImage(Voxels(s), 9);
  std::vector<float> wa, wb;
  std::vector<float> b = a;
  SimulateLowResolution(b.data(), s, 1.0, &wa, &wb);
  Check(MaxAbsDiff(a.data(), b.data(), Voxels(s)) < 1e-4, "low resolution at zoom 1 is the identity");
  std::vector<float> c(static_cast<size_t>(Voxels(s)), -2.5f);
  SimulateLowResolution(c.data(), s, 0.5, &wa, &wb);
  double dev = 0;
  for (float v : c) dev = std::max(dev, std::abs(v + 2.5));
  Check(dev < 1e-4, "low resolution keeps a constant volume (" + Num(dev) + ")");
  // Zoom 0.5 of white noise: nearest down then smooth up keeps ~1/8 of the independent values,
  // so the result is smoother (neighbour correlation rises from ~0 to well above 0.3).
  std::vector<float> d = a;
  SimulateLowResolution(d.data(), s, 0.5, &wa, &wb);
  double num = 0, den = 0;
  const double m = Mean(d);
  for (int64_t i = 0; i + 1 < Voxels(s); ++i) {
    if ((i + 1) % s[2] == 0) continue;
    num += (d[i] - m) * (d[i + 1] - m);
    den += (d[i] - m) * (d[i] - m);
  }
  Check(num / den > 0.3, "low resolution 0.5 correlates neighbours (" + Num(num / den) + ")");
  // Separable cubic resample of a ramp is exact in the interior.
  const Shape3 r{4, 5, 30};
  std::vector<float> ramp(static_cast<size_t>(Voxels(r)));
  for (int64_t i = 0; i < Voxels(r); ++i) ramp[i] = static_cast<float>(i % 30);
  std::vector<float> up(static_cast<size_t>(4 * 5 * 60));
  ResampleAxisCubic(ramp.data(), r, 2, 60, up.data());
  double e = 0;  // away from the edge-replicated ends, where the ramp bends
  for (int64_t o = 20; o < 40; ++o) e = std::max(e, std::abs(up[o] - ((o + 0.5) * 0.5 - 0.5)));
  Check(e < 1e-4, "cubic resample follows skimage's pixel-centre mapping on a ramp (" + Num(e) + ")");
}

void TestMirror() {
  const Shape3 s{5, 6, 7};
  std::vector<float> a = RandomImage(Voxels(s), 10);
  for (int axis = 0; axis < 3; ++axis) {
    std::vector<float> b = a;
    MirrorAxis(b.data(), s, axis);
    int bad = 0;
    for (int64_t z = 0; z < s[0]; ++z)
      for (int64_t y = 0; y < s[1]; ++y)
        for (int64_t x = 0; x < s[2]; ++x) {
          int64_t q[3] = {z, y, x};
          q[axis] = s[axis] - 1 - q[axis];
          bad += b[(z * s[1] + y) * s[2] + x] != a[(q[0] * s[1] + q[1]) * s[2] + q[2]];
        }
    MirrorAxis(b.data(), s, axis);
    Check(bad == 0 && b == a, "mirror axis " + Num(axis) + " flips exactly and twice is the identity");
  }
  // Through the chain: image and label flip together.
  const Shape3 S{9, 9, 9};
  std::vector<float> img = RandomImage(Voxels(S), 12);
  std::vector<int8_t> lab = BlobLabels(S);
  Volume v{img.data(), lab.data(), 1, S};
  AugmentParams p = NoAugmentation();
  p.do_mirror = true;
  p.p_mirror_per_axis = 1.0;
  AugmentRng rng(3);
  AugmentScratch scratch;
  std::vector<float> out(static_cast<size_t>(Voxels(S)));
  std::vector<int8_t> out_l(static_cast<size_t>(Voxels(S)));
  const AppliedAugmentation rec =
      AugmentSample(p, SourceWindow{v, {0, 0, 0}, S}, S, rng, out.data(), out_l.data(), &scratch);
  int bad = 0;
  for (int64_t i = 0; i < Voxels(S); ++i) {
    const int64_t j = Voxels(S) - 1 - i;  // all three axes flipped = reversed buffer
    bad += out[i] != img[j] || out_l[i] != std::max<int8_t>(lab[j], 0);
  }
  Check(rec.mirrored == std::array<bool, 3>({true, true, true}) && bad == 0,
        "mirror in the chain flips image and label together");
}

// Draw frequencies and ranges over many samples of a tiny patch, all at reference defaults.
void TestDrawFrequencies() {
  const Shape3 S{8, 8, 8}, P{6, 6, 6};
  std::vector<float> img = RandomImage(Voxels(S), 13);
  std::vector<int8_t> lab(static_cast<size_t>(Voxels(S)), 0);
  Volume v{img.data(), lab.data(), 1, S};
  const AugmentParams p;  // recipe defaults
  AugmentScratch scratch;
  std::vector<float> out(static_cast<size_t>(Voxels(P)));
  std::vector<int8_t> out_l(static_cast<size_t>(Voxels(P)));
  const int n = 4000;
  int rot = 0, sc = 0, below = 0, noise = 0, blur = 0, bright = 0, contrast = 0, lowres = 0, inv = 0, gam = 0, el = 0;
  int mirrored[3] = {0, 0, 0};
  double max_angle = 0, min_scale = 10, max_scale = 0, max_noise = 0;
  for (int i = 0; i < n; ++i) {
    AugmentRng rng = AugmentRng::ForSample(99, 0, i, 0);
    const AppliedAugmentation r =
        AugmentSample(p, SourceWindow{v, {0, 0, 0}, S}, P, rng, out.data(), out_l.data(), &scratch);
    rot += r.rotation;
    el += r.elastic;
    if (r.rotation)
      for (double a : r.angles_rad) max_angle = std::max(max_angle, std::abs(a));
    if (r.scale) {
      ++sc;
      below += r.scale_factor < 1.0;
      min_scale = std::min(min_scale, r.scale_factor);
      max_scale = std::max(max_scale, r.scale_factor);
    }
    noise += r.noise;
    if (r.noise) max_noise = std::max(max_noise, r.noise_sigma);
    blur += r.blurred_channels;
    bright += r.brightness;
    contrast += r.contrast;
    lowres += r.low_resolution_channels;
    inv += r.inverted_gamma;
    gam += r.gamma;
    for (int a = 0; a < 3; ++a) mirrored[a] += r.mirrored[a];
  }
  auto near = [n](int count, double p, const std::string& what) {
    const double f = static_cast<double>(count) / n;
    const double tol = 4.0 * std::sqrt(p * (1 - p) / n) + 1e-9;
    Check(std::abs(f - p) <= tol, what + ": frequency " + Num(f) + " vs " + Num(p));
  };
  near(rot, 0.2, "rotation p 0.2");
  near(sc, 0.2, "scale p 0.2");
  near(el, 0.0, "elastic off");
  near(noise, 0.1, "noise p 0.1");
  near(blur, 0.2 * 0.5, "blur p 0.2 x 0.5 per channel");
  near(bright, 0.15, "brightness p 0.15");
  near(contrast, 0.15, "contrast p 0.15");
  near(lowres, 0.25 * 0.5, "low resolution p 0.25 x 0.5 per channel");
  near(inv, 0.1, "inverted gamma p 0.1");
  near(gam, 0.3, "gamma p 0.3");
  for (int a = 0; a < 3; ++a) near(mirrored[a], 0.5, "mirror axis " + Num(a) + " p 0.5");
  Check(std::abs(static_cast<double>(below) / sc - 0.5) < 0.1,
        "scale below 1 half of the time (" + Num(static_cast<double>(below) / sc) + ")");
  Check(max_angle <= 30.0 * 3.14159265358979323846 / 180.0 && max_angle > 28.0 * 3.14159265358979323846 / 180.0,
        "angles within +-30 deg (max " + Num(max_angle * 180 / 3.14159265358979323846) + ")");
  Check(min_scale >= 0.7 && min_scale < 0.72 && max_scale <= 1.4 && max_scale > 1.38,
        "scale within [0.7, 1.4] (" + Num(min_scale) + ", " + Num(max_scale) + ")");
  Check(max_noise <= 0.1 && max_noise > 0.09, "noise sigma within U(0, 0.1)");
}

// Brightness factor range, through the chain.
void TestBrightnessRange() {
  const Shape3 S{6, 6, 6};
  std::vector<float> img(static_cast<size_t>(Voxels(S)), 2.0f);
  std::vector<int8_t> lab(static_cast<size_t>(Voxels(S)), 0);
  Volume v{img.data(), lab.data(), 1, S};
  AugmentParams p = NoAugmentation();
  p.do_brightness = true;
  p.p_brightness = 1.0;
  AugmentScratch scratch;
  std::vector<float> out(static_cast<size_t>(Voxels(S)));
  std::vector<int8_t> out_l(static_cast<size_t>(Voxels(S)));
  double lo = 10, hi = 0, sum = 0;
  const int n = 2000;
  for (int i = 0; i < n; ++i) {
    AugmentRng rng = AugmentRng::ForSample(5, 1, i, 0);
    AugmentSample(p, SourceWindow{v, {0, 0, 0}, S}, S, rng, out.data(), out_l.data(), &scratch);
    const double f = out[0] / 2.0;
    bool uniform = true;
    for (float x : out) uniform = uniform && x == out[0];
    if (!uniform) lo = -1;
    lo = std::min(lo, f);
    hi = std::max(hi, f);
    sum += f;
  }
  Check(lo >= 0.75 && lo < 0.76 && hi <= 1.25 && hi > 1.24 && std::abs(sum / n - 1.0) < 0.01,
        "brightness factor in [0.75, 1.25], mean 1 (" + Num(lo) + ", " + Num(hi) + ", " + Num(sum / n) + ")");
}

void TestDeterminism() {
  const Shape3 S{51, 51, 51}, P{32, 32, 32};
  std::vector<int8_t> lab = BlobLabels(S);
  std::vector<float> img = RandomImage(Voxels(S), 14);
  Volume v{img.data(), lab.data(), 1, S};
  AugmentParams p;  // all on
  p.p_rotation = p.p_scale = p.p_noise = p.p_blur = p.p_brightness = p.p_contrast = p.p_low_resolution = 1.0;
  p.p_inverted_gamma = p.p_gamma = 1.0;
  AugmentScratch s1, s2;
  std::vector<float> a(static_cast<size_t>(Voxels(P))), b(a.size()), c(a.size());
  std::vector<int8_t> la(a.size()), lb(a.size()), lc(a.size());
  AugmentRng r1 = AugmentRng::ForSample(1, 0, 5, 1), r2 = AugmentRng::ForSample(1, 0, 5, 1),
             r3 = AugmentRng::ForSample(1, 0, 5, 0);
  AugmentSample(p, SourceWindow{v, {0, 0, 0}, S}, P, r1, a.data(), la.data(), &s1);
  AugmentSample(p, SourceWindow{v, {0, 0, 0}, S}, P, r2, b.data(), lb.data(), &s2);
  AugmentSample(p, SourceWindow{v, {0, 0, 0}, S}, P, r3, c.data(), lc.data(), &s1);
  Check(std::memcmp(a.data(), b.data(), a.size() * 4) == 0 && la == lb, "same key: bit-identical sample");
  Check(std::memcmp(a.data(), c.data(), a.size() * 4) != 0, "other key: different sample");
  bool finite = true;
  for (float x : a) finite = finite && std::isfinite(x);
  Check(finite, "every transform at once gives finite values");
}

void TestBadInput() {
  AugmentParams p;
  p.p_gamma = 1.5;
  bool threw = false;
  try {
    ValidateAugmentParams(p);
  } catch (const std::invalid_argument& e) {
    threw = std::string(e.what()).find("p_gamma") != std::string::npos;
  }
  Check(threw, "a probability above 1 is rejected naming the field");
}

template <typename T>
bool ReadRaw(const std::string& path, std::vector<T>* out, size_t n) {
  out->resize(n);
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  const size_t got = std::fread(out->data(), sizeof(T), n, f);
  std::fclose(f);
  return got == n;
}

// Compares WarpPatch and GaussianBlur with scipy's map_coordinates / gaussian_filter outputs
// written by test/native/scipy_reference.py into `dir`.
void TestAgainstScipy(const std::string& dir) {
  FILE* meta = std::fopen((dir + "/meta.txt").c_str(), "r");
  Shape3 S{}, P{};
  long long v[6];
  if (!meta || std::fscanf(meta, "%lld %lld %lld %lld %lld %lld", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6) {
    Check(false, "scipy reference: cannot read " + dir + "/meta.txt");
    if (meta) std::fclose(meta);
    return;
  }
  S = {v[0], v[1], v[2]};
  P = {v[3], v[4], v[5]};
  std::vector<float> src;
  std::vector<int8_t> lab;
  if (!ReadRaw(dir + "/source.f32", &src, Voxels(S)) || !ReadRaw(dir + "/source.i8", &lab, Voxels(S))) {
    Check(false, "scipy reference: cannot read the source files");
    std::fclose(meta);
    return;
  }
  double a0, a1, a2, scale;
  for (int k = 0; std::fscanf(meta, "%lf %lf %lf %lf", &a0, &a1, &a2, &scale) == 4; ++k) {
    std::vector<float> want;
    std::vector<int8_t> want_l;
    const bool ok = ReadRaw(dir + "/warp" + std::to_string(k) + ".f32", &want, Voxels(P)) &&
                    ReadRaw(dir + "/warp" + std::to_string(k) + ".i8", &want_l, Voxels(P));
    Check(ok, "scipy reference: warp " + Num(k) + " files");
    if (!ok) continue;
    std::vector<float> coef = src;
    std::vector<float> out(static_cast<size_t>(Voxels(P)));
    std::vector<int8_t> out_l(static_cast<size_t>(Voxels(P)));
    SpatialDraw draw;
    draw.angles_rad = {a0, a1, a2};
    draw.scale = scale;
    WarpPatch(coef.data(), lab.data(), 1, S, draw, P, out.data(), out_l.data());
    const double err = MaxAbsDiff(out.data(), want.data(), Voxels(P));
    int64_t label_diff = 0;
    for (int64_t i = 0; i < Voxels(P); ++i) label_diff += out_l[i] != want_l[i];
    Check(err < 1e-3, "warp " + Num(k) + " (angles " + Num(a0) + "," + Num(a1) + "," + Num(a2) + ", scale " +
                          Num(scale) + ") matches scipy map_coordinates order 3 (max err " + Num(err) + ")");
    Check(label_diff == 0, "warp " + Num(k) + " labels match scipy's per-label order-1 masks (" + Num(label_diff) +
                               " of " + Num(Voxels(P)) + " differ)");
  }
  std::fclose(meta);
  std::vector<float> want_blur;
  if (ReadRaw(dir + "/blur.f32", &want_blur, Voxels(S))) {
    std::vector<float> b = src, work;
    GaussianBlur(b.data(), S, 0.8, &work);
    const double err = MaxAbsDiff(b.data(), want_blur.data(), Voxels(S));
    Check(err < 1e-4, "blur matches scipy gaussian_filter(sigma 0.8, reflect) (max err " + Num(err) + ")");
  } else {
    Check(false, "scipy reference: blur file");
  }
  FILE* zooms = std::fopen((dir + "/lowres.txt").c_str(), "r");
  double z;
  int k = 0;
  for (; zooms && std::fscanf(zooms, "%lf", &z) == 1; ++k) {
    std::vector<float> want;
    if (!ReadRaw(dir + "/lowres" + std::to_string(k) + ".f32", &want, Voxels(S))) break;
    std::vector<float> b = src, wa, wb;
    SimulateLowResolution(b.data(), S, z, &wa, &wb);
    const double err = MaxAbsDiff(b.data(), want.data(), Voxels(S));
    Check(err < 1e-3, "low resolution at zoom " + Num(z) + " matches scipy zoom (nearest down, cubic up) (max err " +
                          Num(err) + ")");
  }
  if (zooms) std::fclose(zooms);
  Check(k == 2, "scipy reference: both low-resolution files read");
}

}  // namespace

// Optional argument: a folder written by test/native/scipy_reference.py.
int main(int argc, char** argv) {
  if (argc > 1) TestAgainstScipy(argv[1]);
  TestEnlargedPatchSize();
  TestIdentityWarpIsCentreCrop();
  TestRotation90IsTransposeFlip();
  TestAffineMapOnRamp();
  TestLabelsStayAligned(false);
  TestLabelsStayAligned(true);
  TestChannels();
  TestNoise();
  TestBlur();
  TestContrast();
  TestGamma();
  TestLowResolution();
  TestMirror();
  TestDrawFrequencies();
  TestBrightnessRange();
  TestDeterminism();
  TestBadInput();
  return pipe_test::FinishChecks();
}

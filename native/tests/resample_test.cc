// Node-free checks of the resampling and preprocessing kernels (core/resample.h, core/preprocess.h).
#include "core/resample.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <vector>

#include "core/preprocess.h"

namespace {

int failures = 0;
int passes = 0;

void Check(bool ok, const char* what, double detail = 0) {
  std::printf("%s %s (%g)\n", ok ? "ok  " : "FAIL", what, detail);
  if (!ok)
    ++failures;
  else
    ++passes;
}

double Smooth(double z, double y, double x) { return 100.0 * std::sin(0.15 * z) * std::cos(0.11 * y) + 3.0 * x; }

void SplineMatchesSmoothFunction() {
  using pipe_core::Shape3;
  const Shape3 in{20, 24, 28}, out{37, 19, 30};
  std::vector<float> v(in[0] * in[1] * in[2]);
  for (int64_t z = 0; z < in[0]; ++z)
    for (int64_t y = 0; y < in[1]; ++y)
      for (int64_t x = 0; x < in[2]; ++x) v[(z * in[1] + y) * in[2] + x] = static_cast<float>(Smooth(z, y, x));
  const auto r = pipe_core::ResampleImage(v.data(), in, out, -1, 2);
  double worst = 0;
  // Interior only: the edge mode ('nearest') bends the spline near the faces.
  for (int64_t z = 6; z < out[0] - 6; ++z)
    for (int64_t y = 6; y < out[1] - 6; ++y)
      for (int64_t x = 6; x < out[2] - 6; ++x) {
        const double cz = pipe_core::GridCoordinate(z, in[0], out[0]);
        const double cy = pipe_core::GridCoordinate(y, in[1], out[1]);
        const double cx = pipe_core::GridCoordinate(x, in[2], out[2]);
        worst = std::max(worst, std::fabs(r[(z * out[1] + y) * out[2] + x] - Smooth(cz, cy, cx)));
      }
  Check(worst < 0.02, "cubic spline reproduces a smooth function inside the volume (max abs error)", worst);
}

void LabelsInventNothing() {
  using pipe_core::Shape3;
  const Shape3 in{10, 12, 12}, out{25, 9, 17};
  std::vector<int8_t> s(in[0] * in[1] * in[2], 0);
  for (int64_t z = 0; z < in[0]; ++z)
    for (int64_t y = 0; y < in[1]; ++y)
      for (int64_t x = 0; x < in[2]; ++x) {
        const double d = std::hypot(z - 5.0, std::hypot(y - 6.0, x - 6.0));
        s[(z * in[1] + y) * in[2] + x] = d < 2.5 ? 2 : d < 4.5 ? 1 : (x == 0 ? -1 : 0);
      }
  for (int axis = -1; axis < 3; ++axis) {
    const auto r = pipe_core::ResampleLabels(s.data(), in, out, axis, 2);
    std::set<int> values(r.begin(), r.end());
    Check(values == std::set<int>{-1, 0, 1, 2}, "label resampling keeps exactly the input label values",
          static_cast<double>(values.size()));
  }
}

void CropFillsHolesAndMarksOutside() {
  using pipe_core::Shape3;
  const Shape3 shape{8, 9, 10};
  std::vector<float> img(shape[0] * shape[1] * shape[2], 0.0f);
  std::vector<int8_t> seg(img.size(), 0);
  // A hollow box [2,6) x [2,7) x [3,8) with a one-voxel hole in the middle.
  for (int64_t z = 2; z < 6; ++z)
    for (int64_t y = 2; y < 7; ++y)
      for (int64_t x = 3; x < 8; ++x) img[(z * shape[1] + y) * shape[2] + x] = 5.0f;
  img[(4 * shape[1] + 4) * shape[2] + 5] = 0.0f;
  const auto r = pipe_core::CropToNonzero({img.data()}, seg.data(), shape, 2);
  Check(r.bbox[0][0] == 2 && r.bbox[0][1] == 6 && r.bbox[1][0] == 2 && r.bbox[1][1] == 7 && r.bbox[2][0] == 3 &&
            r.bbox[2][1] == 8,
        "bounding box of the nonzero region");
  int minus = 0;
  for (int8_t v : r.seg) minus += v == -1;
  Check(minus == 0, "a hole inside the mask is filled, not marked -1", minus);
}

}  // namespace

int main() {
  SplineMatchesSmoothFunction();
  LabelsInventNothing();
  CropFillsHolesAndMarksOutside();
  std::vector<float> vals{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  const double p = pipe_core::Percentile(vals, 99.5);
  Check(std::fabs(p - 9.955) < 1e-9, "percentile 99.5 with linear interpolation", p);
  std::printf("%d passed, %d failed\n", passes, failures);
  return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

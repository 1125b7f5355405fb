// The memory-saving forms of the preprocessing kernels give exactly what the plain ones give: slab-wise
// (plane by plane) passes == every pass over the whole volume, int16 sources == the same values as float, the
// two-step ImageResampling == ResampleImage, in-place cropping == the copying CropToNonzero. Bit for bit.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "check.h"
#include "core/preprocess.h"
#include "core/resample.h"

namespace {

using pipe_core::Shape3;

int64_t Voxels(const Shape3& s) { return s[0] * s[1] * s[2]; }

// A CT-like volume of integers: air, a body with steep edges (the clip matters), texture.
std::vector<int16_t> CtLike(const Shape3& s) {
  std::vector<int16_t> v(static_cast<size_t>(Voxels(s)));
  uint32_t state = 12345;
  for (int64_t z = 0; z < s[0]; ++z)
    for (int64_t y = 0; y < s[1]; ++y)
      for (int64_t x = 0; x < s[2]; ++x) {
        state = state * 1664525u + 1013904223u;
        const double r = std::hypot((y - s[1] / 2.0) / (0.4 * s[1]), (x - s[2] / 2.0) / (0.45 * s[2]));
        const double body = r < 1 ? 40 + 30 * std::sin(0.3 * z + 0.2 * x) : -1000;
        v[(z * s[1] + y) * s[2] + x] = static_cast<int16_t>(body + static_cast<int>(state >> 27) - 16);
      }
  return v;
}

bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

struct Case {
  Shape3 in, out;
  int nearest_axis;
};

// Every order of the passes (each axis shrinking or growing), with and without a nearest axis, 1 to 3 passes.
const std::vector<Case>& Cases() {
  static const std::vector<Case> cases = {
      {{17, 23, 29}, {11, 19, 31}, -1},  // z shrinks most: z, then y and x plane by plane along z
      {{17, 23, 29}, {21, 13, 30}, -1},  // y first, then z and x along y
      {{17, 23, 29}, {20, 25, 14}, -1},  // x first: x and y along z, then z
      {{17, 23, 29}, {17, 31, 22}, -1},  // two passes (x, y) along z, straight into the result
      {{17, 23, 29}, {9, 23, 40}, -1},   // two passes (z, x) along y
      {{17, 23, 29}, {25, 12, 29}, -1},  // two passes (y, z) along x: whole-volume passes
      {{17, 23, 29}, {17, 23, 35}, -1},  // one pass
      {{6, 40, 44}, {19, 30, 33}, 0},    // separate z: order 0 along z
      {{30, 9, 44}, {22, 20, 33}, 1},    // order 0 along y
      {{64, 70, 9}, {50, 56, 25}, 2},    // order 0 along x (one line block of 64 and a partial one)
  };
  return cases;
}

}  // namespace

TEST("slab-wise resampling equals the whole-volume passes bit for bit, order 3 and 1") {
  for (const Case& c : Cases()) {
    const std::vector<int16_t> ct = CtLike(c.in);
    const std::vector<float> src(ct.begin(), ct.end());
    for (int order : {3, 1}) {
      for (int threads : {1, 3}) {
        const auto whole = pipe_core::ResampleImageByAxes(src.data(), c.in, c.out, c.nearest_axis, threads, order);
        const auto slabs = pipe_core::ResampleImage(src.data(), c.in, c.out, c.nearest_axis, threads, order);
        CHECK(SameBits(whole, slabs));
      }
    }
  }
}

TEST("an int16 source gives the float source's result, in one call and in two steps") {
  for (const Case& c : Cases()) {
    const std::vector<int16_t> ct = CtLike(c.in);
    const std::vector<float> src(ct.begin(), ct.end());
    const auto want = pipe_core::ResampleImageByAxes(src.data(), c.in, c.out, c.nearest_axis, 2);
    CHECK(SameBits(pipe_core::ResampleImage(ct.data(), c.in, c.out, c.nearest_axis, 2), want));
    pipe_core::ImageResampling staged(c.in, c.out, c.nearest_axis, 3);
    std::vector<float> out(static_cast<size_t>(Voxels(c.out)));
    {
      std::vector<int16_t> copy = ct;
      staged.Start(copy.data(), staged.SingleStep() ? out.data() : nullptr, 2);
      std::fill(copy.begin(), copy.end(), int16_t{0});  // the source may be gone once Start returns
    }
    staged.Finish(out.data(), 2);
    CHECK(SameBits(out, want));
  }
}

TEST("the intermediate of two steps is one volume, never the source's size twice") {
  pipe_core::ImageResampling r({100, 64, 64}, {70, 58, 58}, -1, 3);
  CHECK(!r.SingleStep());
  CHECK(r.IntermediateVoxels() == 70 * 64 * 64);  // after z; y and x then run plane by plane
  CHECK(pipe_core::ImageResampling({100, 64, 64}, {100, 58, 58}, -1, 3).SingleStep());
  CHECK(pipe_core::ImageResampling({100, 64, 64}, {100, 64, 64}, -1, 3).SingleStep());
}

TEST("cropping in place gives the copying crop's voxels, label and box") {
  const Shape3 shape{12, 15, 17};
  for (bool full : {false, true}) {
    std::vector<int16_t> ct(static_cast<size_t>(Voxels(shape)), 0);
    std::vector<int8_t> seg(ct.size(), 0);
    for (int64_t z = 0; z < shape[0]; ++z)
      for (int64_t y = 0; y < shape[1]; ++y)
        for (int64_t x = 0; x < shape[2]; ++x) {
          const int64_t i = (z * shape[1] + y) * shape[2] + x;
          const bool inside = full || (z > 1 && z < 10 && y > 2 && y < 13 && x > 0 && x < 15);
          const bool hole = z == 5 && y == 7 && x == 7;
          const bool gap = x == 3;  // a zero plane inside the box that touches its faces: outside
          if (inside && !hole && !gap) ct[i] = static_cast<int16_t>(1 + (i % 7));
          seg[i] = static_cast<int8_t>(z == 5 && y > 5 && y < 9 ? 2 : (x == 2 ? -3 : 0));
        }
    const std::vector<float> asFloat(ct.begin(), ct.end());
    const auto copied = pipe_core::CropToNonzero({asFloat.data()}, seg.data(), shape, 2);
    std::vector<int16_t> ctInPlace = ct;
    std::vector<float> floatInPlace = asFloat;
    floatInPlace[(6 * shape[1] + 8) * shape[2] + 9] = NAN;  // NaN: nonzero for the box, written as 0
    std::vector<int8_t> segA = seg, segB = seg;
    const auto a = pipe_core::CropToNonzeroInPlace<int16_t>({ctInPlace.data()}, segA.data(), shape, 2);
    const auto b = pipe_core::CropToNonzeroInPlace<float>({floatInPlace.data()}, segB.data(), shape, 1);
    CHECK(a.bbox == copied.bbox && b.bbox == copied.bbox && a.shape == copied.shape);
    const int64_t n = Voxels(a.shape);
    CHECK(full == (a.shape == shape));
    const int64_t nanAt = ((6 - a.bbox[0][0]) * a.shape[1] + (8 - a.bbox[1][0])) * a.shape[2] + (9 - a.bbox[2][0]);
    bool same = true;
    for (int64_t i = 0; i < n; ++i) {
      const float want = copied.channels[0][i];
      same = same && ctInPlace[i] == want && segA[i] == copied.seg[i] && segB[i] == copied.seg[i];
      same = same && floatInPlace[i] == (i == nanAt ? 0.0f : want);
    }
    CHECK(copied.channels[0][nanAt] != 0.0f);
    CHECK(same);
  }
}

int main(int argc, char** argv) { return pipe_test::RunAll(argc, argv); }

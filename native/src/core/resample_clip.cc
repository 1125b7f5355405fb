// Per-volume / per-slice clipping of resampled images (see resample_clip.h).
#include "core/resample_clip.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/preprocess_parallel.h"

namespace pipe_core {
namespace {

struct Bounds {
  float lo = std::numeric_limits<float>::infinity();
  float hi = -std::numeric_limits<float>::infinity();
  void Add(float v) {
    if (v < lo) lo = v;  // NaN compares false both ways: skipped
    if (v > hi) hi = v;
  }
  void Merge(const Bounds& o) {
    lo = std::min(lo, o.lo);
    hi = std::max(hi, o.hi);
  }
};

// Index of voxel (z, y, x)'s slice along `axis`.
inline int64_t SliceOf(int axis, int64_t z, int64_t y, int64_t x) { return axis == 0 ? z : (axis == 1 ? y : x); }

// Source slice that output slice i of an axis n -> m came from (ResampleImage's order-0 step, or i when the axis
// keeps its size).
inline int64_t SourceSlice(int64_t i, int64_t n, int64_t m) {
  if (n == m) return i;
  const int64_t k = static_cast<int64_t>(std::floor(GridCoordinate(i, n, m) + 0.5));
  return std::clamp<int64_t>(k, 0, n - 1);
}

}  // namespace

template <typename T>
RangeBounds InputRange(const T* src, const Shape3& shape, int nearest_axis, int threads) {
  const int64_t slices = nearest_axis < 0 ? 1 : shape[nearest_axis];
  // Bounds per source slice (one entry, the whole volume, without a nearest axis); one partial set per z plane.
  std::vector<std::vector<Bounds>> partial(static_cast<size_t>(shape[0]), std::vector<Bounds>(slices));
  ParallelFor(shape[0], threads, [&](int64_t z) {
    auto& b = partial[z];
    const T* plane = src + z * shape[1] * shape[2];
    for (int64_t y = 0; y < shape[1]; ++y)
      for (int64_t x = 0; x < shape[2]; ++x)
        b[nearest_axis < 0 ? 0 : SliceOf(nearest_axis, z, y, x)].Add(static_cast<float>(plane[y * shape[2] + x]));
  });
  std::vector<Bounds> merged(slices);
  for (const auto& p : partial)
    for (int64_t k = 0; k < slices; ++k) merged[k].Merge(p[k]);
  RangeBounds r;
  r.nearest_axis = nearest_axis;
  r.lo.resize(slices);
  r.hi.resize(slices);
  for (int64_t k = 0; k < slices; ++k) r.lo[k] = merged[k].lo, r.hi[k] = merged[k].hi;
  return r;
}

template RangeBounds InputRange<float>(const float*, const Shape3&, int, int);
template RangeBounds InputRange<int16_t>(const int16_t*, const Shape3&, int, int);

void ClipToRange(const RangeBounds& bounds, const Shape3& shape, float* out, const Shape3& new_shape, int threads) {
  const int axis = bounds.nearest_axis;
  const int64_t n = axis < 0 ? 1 : shape[axis], m = axis < 0 ? 1 : new_shape[axis];
  ParallelFor(new_shape[0], threads, [&](int64_t z) {
    float* plane = out + z * new_shape[1] * new_shape[2];
    for (int64_t y = 0; y < new_shape[1]; ++y)
      for (int64_t x = 0; x < new_shape[2]; ++x) {
        const int64_t k = axis < 0 ? 0 : SourceSlice(SliceOf(axis, z, y, x), n, m);
        const float lo = bounds.lo[k], hi = bounds.hi[k];
        if (!(lo <= hi)) continue;  // no finite value in that slice
        float& v = plane[y * new_shape[2] + x];
        v = std::min(std::max(v, lo), hi);  // NaN stays NaN
      }
  });
}

void ClipToInputRange(const float* src, const Shape3& shape, float* out, const Shape3& new_shape, int nearest_axis,
                      int threads) {
  ClipToRange(InputRange(src, shape, nearest_axis, threads), shape, out, new_shape, threads);
}

}  // namespace pipe_core

// Resampling of (z, y, x) volumes to a new grid, as nnU-Net v1's resample_patient does it.
//
// Grid convention (skimage.transform.resize / scipy.ndimage.zoom with grid_mode=True): output voxel i
// of an axis resized n -> m samples the input at c = (i + 0.5) * n / m - 0.5.
//
// Images: order-3 B-spline with mode 'edge' and no anti-aliasing, i.e. scipy.ndimage.zoom(order=3,
// mode='nearest', grid_mode=True): the line is padded with 12 edge values, prefiltered with mirror
// boundaries and evaluated with 4 taps. The filter is separable, so the volume is resampled one
// axis at a time (O(voxels) per axis instead of 64 taps per voxel), which gives the same result
// up to rounding.
//
// Labels: nnU-Net's resize_segmentation (order 1): every label value's binary mask is linearly
// interpolated and voxels >= 0.5 take that label, higher label values overwriting lower ones;
// voxels where no label reaches 0.5 are 0. Computed per output voxel from its 8 neighbours.
//
// nearest_axis (0, 1 or 2; -1 for none) is the "separate z" path: that axis is resampled with
// order 0 (scipy map_coordinates order 0, index floor(c + 0.5) clamped), the others as above.
//
// Images are then clipped to the input's range as skimage's resize (clip=True) does: per volume, or per 2-D slice
// in the separate-z path (core/resample_clip.h).
#pragma once

#include <cstdint>
#include <vector>

#include "core/shape.h"

namespace pipe_core {

// order 3 (images) or 1 (linear, e.g. softmax probabilities when exporting predictions: skimage resize
// order 1, mode edge). The source may hold int16 values (a CT volume as stored): they are read exactly as their
// float values, so the result equals that of the same volume given as float.
std::vector<float> ResampleImage(const float* src, const Shape3& shape, const Shape3& new_shape, int nearest_axis,
                                 int threads, int order = 3);
std::vector<float> ResampleImage(const int16_t* src, const Shape3& shape, const Shape3& new_shape, int nearest_axis,
                                 int threads, int order = 3);

// A source volume's value range (resample_clip.h: taken before resampling, applied after).
struct RangeBounds {
  int nearest_axis = -1;
  // [lo, hi] of the whole source (one entry) or of each source slice along nearest_axis.
  std::vector<float> lo, hi;
};

// ResampleImage in two steps, so that the caller can free the source in between (the preprocessing of a
// 987-slice CT then holds at most two volumes at a time besides the label, instead of three or four):
//   Start(src, out) reads the source: its first step (or everything, when SingleStep(), writing `out`);
//   Finish(out) runs the remaining steps from the intermediate alone, frees it, and clips `out`.
// The passes run in ResampleImage's order (the axes that shrink the volume most first). Two consecutive passes
// along two axes run plane by plane along the third (slab-wise: one plane per thread in flight instead of a whole
// intermediate volume) where those planes are rows apart in memory (third axis z or y); every line is computed
// as in a whole-volume pass, so the result is identical bit for bit (ResampleImageByAxes, for the tests).
class ImageResampling {
 public:
  ImageResampling(const Shape3& shape, const Shape3& new_shape, int nearest_axis, int order);
  // True when Start writes the result itself (at most one step): then pass `out` to Start and skip Finish.
  bool SingleStep() const { return steps_.size() <= 1; }
  // Voxels of the intermediate Start keeps for Finish (0 when SingleStep()).
  int64_t IntermediateVoxels() const;
  // T: float or int16_t. `out` (new_shape voxels) is required when SingleStep(), else ignored.
  template <typename T>
  void Start(const T* src, float* out, int threads);
  void Finish(float* out, int threads);

  struct Step {
    int axis;         // the (first) axis resampled
    int second = -1;  // a second axis, resampled plane by plane along the third one; -1: a whole-volume pass
  };

 private:
  template <typename T>
  void Run(const Step& step, const T* in, const Shape3& in_shape, float* out, int threads) const;

  Shape3 shape_, new_shape_;
  int nearest_axis_, order_;
  std::vector<Step> steps_;
  Shape3 mid_shape_{};      // shape after steps_[0]
  std::vector<float> mid_;  // the volume after steps_[0], between Start and Finish
  RangeBounds range_;       // the source's range, taken by Start
  bool started_ = false;
};

// Every pass over the whole volume, one intermediate volume per pass (ResampleImage before the slab-wise steps):
// exposed for the tests, which compare it bit for bit with ResampleImage.
std::vector<float> ResampleImageByAxes(const float* src, const Shape3& shape, const Shape3& new_shape, int nearest_axis,
                                       int threads, int order = 3);

std::vector<int8_t> ResampleLabels(const int8_t* src, const Shape3& shape, const Shape3& new_shape, int nearest_axis,
                                   int threads);
// The same into `out` (new_shape voxels).
void ResampleLabels(const int8_t* src, const Shape3& shape, const Shape3& new_shape, int nearest_axis, int threads,
                    int8_t* out);

// One-dimensional helpers, exposed for the tests.
// Cubic B-spline coefficients of a line in place (mirror boundaries, scipy's spline_filter1d).
void CubicSplinePrefilter(double* c, int64_t n, int64_t stride);
// Source coordinate of output sample i when an axis goes from n to m samples.
inline double GridCoordinate(int64_t i, int64_t n, int64_t m) {
  return (static_cast<double>(i) + 0.5) * (static_cast<double>(n) / static_cast<double>(m)) - 0.5;
}

}  // namespace pipe_core

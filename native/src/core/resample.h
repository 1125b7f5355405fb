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
// order 1, mode edge).
std::vector<float> ResampleImage(const float* src, const Shape3& shape, const Shape3& new_shape, int nearest_axis,
                                 int threads, int order = 3);

std::vector<int8_t> ResampleLabels(const int8_t* src, const Shape3& shape, const Shape3& new_shape, int nearest_axis,
                                   int threads);

// One-dimensional helpers, exposed for the tests.
// Cubic B-spline coefficients of a line in place (mirror boundaries, scipy's spline_filter1d).
void CubicSplinePrefilter(double* c, int64_t n, int64_t stride);
// Source coordinate of output sample i when an axis goes from n to m samples.
inline double GridCoordinate(int64_t i, int64_t n, int64_t m) {
  return (static_cast<double>(i) + 0.5) * (static_cast<double>(n) / static_cast<double>(m)) - 0.5;
}

}  // namespace pipe_core

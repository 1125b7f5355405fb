// The clip step of skimage.transform.resize (clip=True, its default), which nnU-Net v1 inherits for images: an
// order-3 spline overshoots at steep edges, and resize clips its output to the [min, max] of the array it was
// given. nnU-Net resizes each channel's volume at once, or in the separate-z path each 2-D slice (then picks whole
// slices in z, order 0), so the bounds are the volume's, or per slice those of the source slice an output slice
// came from. NaN voxels are ignored when taking the bounds (an all-NaN slice is left as it is).
//
// The bounds are taken from the source before resampling (InputRange) and applied to the result afterwards
// (ClipToRange), so a caller may free the source in between.
#pragma once

#include <vector>

#include "core/resample.h"

namespace pipe_core {

// The source's range, per volume or per slice along nearest_axis. T: float or int16_t.
template <typename T>
RangeBounds InputRange(const T* src, const Shape3& shape, int nearest_axis, int threads);

// Clips `out` (new_shape, resampled from a source of `shape` with bounds.nearest_axis) in place.
void ClipToRange(const RangeBounds& bounds, const Shape3& shape, float* out, const Shape3& new_shape, int threads);

// Both at once (the source still at hand).
void ClipToInputRange(const float* src, const Shape3& shape, float* out, const Shape3& new_shape, int nearest_axis,
                      int threads);

}  // namespace pipe_core

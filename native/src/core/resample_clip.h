// The clip step of skimage.transform.resize (clip=True, its default), which nnU-Net v1 inherits for images: an
// order-3 spline overshoots at steep edges, and resize clips its output to the [min, max] of the array it was
// given. nnU-Net resizes each channel's volume at once, or in the separate-z path each 2-D slice (then picks whole
// slices in z, order 0), so the bounds are the volume's, or per slice those of the source slice an output slice
// came from. NaN voxels are ignored when taking the bounds (an all-NaN slice is left as it is).
#pragma once

#include "core/resample.h"

namespace pipe_core {

// Clips `out` (new_shape, resampled from `src` of `shape` by ResampleImage with this nearest_axis) in place.
void ClipToInputRange(const float* src, const Shape3& shape, float* out, const Shape3& new_shape, int nearest_axis,
                      int threads);

}  // namespace pipe_core

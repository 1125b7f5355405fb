// Voxel kernels of nnU-Net v1's cropping, fingerprint and normalisation (recipe sections 3 and 5).
// Plain C++ on raw buffers; all volumes are C-order (z, y, x).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "core/resample.h"

namespace pipe_core {

struct CropResult {
  // [[z0, z1], [y0, y1], [x0, x1]], upper bounds exclusive, in the input's voxel indices.
  std::array<std::array<int64_t, 2>, 3> bbox;
  Shape3 shape;
  std::vector<std::vector<float>> channels;
  // Label cropped to the box; label 0 outside the hole-filled nonzero mask becomes -1; < -1 becomes 0.
  std::vector<int8_t> seg;
};

// Crop to the bounding box of the union over channels of (value != 0), fill the mask's holes
// (scipy binary_fill_holes, 6-connectivity) and mark background outside it -1 in `seg`.
// NaN voxels count as nonzero for the mask and are written as 0. `seg` may be null.
// Throws when no channel has a nonzero voxel.
CropResult CropToNonzero(const std::vector<const float*>& channels, const int8_t* seg, const Shape3& shape,
                         int threads);

struct CropBox {
  std::array<std::array<int64_t, 2>, 3> bbox;
  Shape3 shape;
};

// CropToNonzero without copies: every channel and the label are cropped within their own buffers (the cropped
// volume is left at the start of each, in C order), with the same values CropToNonzero returns: NaN written as 0,
// the label's background outside the filled mask -1 and values < -1 as 0. Besides the buffers it holds one byte per
// cropped voxel (the mask). T: float or int16_t (the voxels as stored: no float copy of a CT volume is needed).
template <typename T>
CropBox CropToNonzeroInPlace(const std::vector<T*>& channels, int8_t* seg, const Shape3& shape, int threads);

// Every `stride`-th voxel (C order) among those with seg > 0, as nnU-Net's DatasetAnalyzer samples. T: float or
// int16_t (returned as float, exactly).
template <typename T>
std::vector<float> SampleForeground(const T* image, const int8_t* seg, int64_t n, int64_t stride);

struct IntensityStats {
  int64_t count = 0;
  double median = 0, mean = 0, sd = 0, min = 0, max = 0, percentile_99_5 = 0, percentile_00_5 = 0;
};
// numpy median/mean/std (ddof 0)/min/max/percentile (linear). Reorders `values`. Empty -> NaN stats.
IntensityStats ComputeIntensityStats(std::vector<float>& values);
// numpy.percentile(values, q) with linear interpolation on a partially ordered copy.
double Percentile(std::vector<float>& values, double q);

// CT scheme: clip to [lo, hi], then (x - mean) / sd, in place.
void NormalizeCT(float* data, int64_t n, double lo, double hi, double mean, double sd, int threads);
// nonCT scheme: z-score with +1e-8 in the denominator, over voxels with mask >= 0 when mask is given
// (others set to 0), else over all voxels.
void NormalizeZScore(float* data, const int8_t* mask, int64_t n, int threads);

}  // namespace pipe_core

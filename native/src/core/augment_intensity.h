// The intensity transforms of recipe 9.3 (steps 3-9) and mirroring, one channel at a time, on a
// dense C-order (Z, Y, X) float block. Each matches the batchgenerators function named beside it.
#pragma once

#include <cstdint>
#include <vector>

#include "core/augment.h"

namespace pipe_core {

// augment_gaussian_noise: x += N(0, sigma).
void AddGaussianNoise(float* data, int64_t n, double sigma, AugmentRng& rng);

// scipy.ndimage.gaussian_filter(x, sigma) with truncate 4 and mode 'reflect', separable.
void GaussianBlur(float* data, const Shape3& shape, double sigma, std::vector<float>* work);
// The same filter with a choice of border: 'reflect' or 'constant' 0 (elastic displacement fields).
void GaussianFilter(float* data, const Shape3& shape, double sigma, bool constant_border, std::vector<float>* work);

// augment_brightness_multiplicative: x *= factor.
void MultiplyBrightness(float* data, int64_t n, double factor);

// augment_contrast: x = (x - mean) * factor + mean, clipped to the old [min, max] if asked.
void AdjustContrast(float* data, int64_t n, double factor, bool preserve_range);

// augment_linear_downsampling_scipy for one channel: nearest resize to round(shape * zoom), then
// cubic (B-spline, edge-replicated border) resize back; skimage's pixel-centre coordinate mapping.
void SimulateLowResolution(float* data, const Shape3& shape, double zoom, std::vector<float>* work_a,
                           std::vector<float>* work_b);

// augment_gamma for one channel: optional inversion, ((x - min)/(range + 1e-7))^gamma rescaled,
// optionally restoring the old mean and std.
void ApplyGamma(float* data, int64_t n, double gamma, bool invert, bool retain_stats);

// Reverses `axis` (0 = z, 1 = y, 2 = x) of a (Z, Y, X) block in place.
void MirrorAxis(float* data, const Shape3& shape, int axis);
void MirrorAxis(int8_t* data, const Shape3& shape, int axis);

// One cubic B-spline resample along `axis` of `in` (shape `in_shape`) to length `out_len`, with
// skimage resize's mapping c = (o + 0.5) * in_len / out_len - 0.5 and edge replication.
void ResampleAxisCubic(const float* in, const Shape3& in_shape, int axis, int64_t out_len, float* out);

}  // namespace pipe_core

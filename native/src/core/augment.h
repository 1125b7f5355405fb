// The reference's 3D training augmentation (nnU-Net v1 / batchgenerators, recipe section 9) on plain
// buffers: spatial transform of the enlarged source patch to the final patch, then the intensity chain,
// mirroring and label -1 -> 0. Plain C++ (no LibTorch), safe to call from many threads at once.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/augment_random.h"
#include "core/shape.h"

namespace pipe_core {

// A case in memory, not owned: image (C, Z, Y, X) float32 and label (Z, Y, X) int8, both C-order
// (e.g. memory-mapped .npy files). Label -1 marks voxels outside the nonzero mask.
struct Volume {
  const float* image = nullptr;
  const int8_t* label = nullptr;
  int channels = 1;
  Shape3 shape{0, 0, 0};
};

// The enlarged source patch: a box of `volume` with lower corner `corner` (may be negative) and
// size `size`; voxels outside the volume read as image 0 and label -1 (the reference's padding).
struct SourceWindow {
  Volume volume;
  Shape3 corner{0, 0, 0};
  Shape3 size{0, 0, 0};
};

// Every value of recipe 9.1/9.3 with its reference default. Probabilities are per sample unless
// named per channel / per axis. Angles are in degrees, drawn U(-max, +max) per axis.
struct AugmentParams {
  // -- spatial (SpatialTransform) --
  bool do_elastic = false;  // the recipe turns it off; implemented for completeness
  double p_elastic = 0.2;
  double elastic_alpha_min = 0.0, elastic_alpha_max = 900.0;
  double elastic_sigma_min = 9.0, elastic_sigma_max = 13.0;
  bool do_rotation = true;
  double p_rotation = 0.2;
  double p_rotation_per_axis = 1.0;
  std::array<double, 3> rotation_max_deg{30.0, 30.0, 30.0};  // about axes 0 (z), 1 (y), 2 (x)
  bool do_scale = true;
  double p_scale = 0.2;
  double scale_min = 0.7, scale_max = 1.4;  // 50%: U(min, 1), else U(1, max); one factor for all axes
  // -- intensity --
  bool do_noise = true;
  double p_noise = 0.1;
  double noise_sigma_min = 0.0, noise_sigma_max = 0.1;  // std of the added N(0, sigma)
  bool do_blur = true;
  double p_blur = 0.2, blur_p_per_channel = 0.5;
  double blur_sigma_min = 0.5, blur_sigma_max = 1.0;
  bool do_brightness = true;
  double p_brightness = 0.15;
  double brightness_min = 0.75, brightness_max = 1.25;  // per channel factor
  bool do_contrast = true;
  double p_contrast = 0.15;
  double contrast_min = 0.75, contrast_max = 1.25;  // 50%: U(min, 1), else U(1, max)
  bool contrast_preserve_range = true;
  bool do_low_resolution = true;
  double p_low_resolution = 0.25, low_resolution_p_per_channel = 0.5;
  double low_resolution_zoom_min = 0.5, low_resolution_zoom_max = 1.0;
  bool do_inverted_gamma = true;
  double p_inverted_gamma = 0.1;
  bool do_gamma = true;
  double p_gamma = 0.3;
  double gamma_min = 0.7, gamma_max = 1.5;  // 50%: U(min, 1), else U(1, max)
  bool gamma_retain_stats = true;
  // -- mirroring --
  bool do_mirror = true;
  double p_mirror_per_axis = 0.5;
  std::array<bool, 3> mirror_axes{true, true, true};
};

// Throws std::invalid_argument naming the first bad field (probabilities, ranges).
void ValidateAugmentParams(const AugmentParams& params);

// Everything off: the validation loader's chain (centre crop, label -1 -> 0).
AugmentParams NoAugmentation();

// What one call drew and applied (for tests, logs and debugging).
struct AppliedAugmentation {
  bool elastic = false, rotation = false, scale = false;
  double elastic_alpha = 0.0, elastic_sigma = 0.0;
  std::array<double, 3> angles_rad{0.0, 0.0, 0.0};
  double scale_factor = 1.0;
  bool noise = false;
  double noise_sigma = 0.0;
  int blurred_channels = 0;  // how many channels were blurred
  bool brightness = false, contrast = false;
  int low_resolution_channels = 0;
  bool inverted_gamma = false, gamma = false;
  std::array<bool, 3> mirrored{false, false, false};
  bool Spatial() const { return elastic || rotation || scale; }
};

// Per-thread work buffers, reused between calls (the 205^3 source patch and its spline coefficients).
struct AugmentScratch {
  std::vector<float> source;  // materialised source window, then its B-spline coefficients
  std::vector<int8_t> source_label;
  std::vector<float> work_a, work_b;  // intensity transforms
  std::vector<float> elastic;         // 3 displacement fields
};

// Recipe 9.2 (batchgenerators get_patch_size): rotate the corner vector `patch` about each axis by
// its max angle (capped at 90 deg), take the per-axis max of |coords| with the unrotated vector,
// divide by `min_scale`, truncate.
Shape3 EnlargedPatchSize(const Shape3& patch, const std::array<double, 3>& rotation_max_deg, double min_scale);

// The reference's quirk: the trainer evaluates get_patch_size before changing the scale range, so
// the minimum scale used is 0.85, not 0.7 (128^3 -> 205^3).
constexpr double kReferenceEnlargementMinScale = 0.85;
Shape3 ReferenceSourcePatchSize(const Shape3& patch, const AugmentParams& params);

// Augments one sample: draws from `rng` in a fixed order, transforms `source` (the enlarged patch)
// into `out_image` (C, P0, P1, P2) and `out_label` (P0, P1, P2) with P = `patch`, applies the
// intensity chain and mirroring, and maps label -1 to 0. Throws std::invalid_argument on bad input.
AppliedAugmentation AugmentSample(const AugmentParams& params, const SourceWindow& source, const Shape3& patch,
                                  AugmentRng& rng, float* out_image, int8_t* out_label, AugmentScratch* scratch);

// --- building blocks (exposed for tests and for callers who compose their own chain) ---

// Copies `window` into dense buffers (image (C, size), label (size)), padding with 0 / -1.
void CopyWindow(const SourceWindow& window, float* image, int8_t* label);

// The spatial transform of a dense source patch. Output coordinate o maps to the source point
// A * (o - (P-1)/2 + elastic(o)) + centre, A = scale * R^T with R = Rx(a0) Ry(a1) Rz(a2) and
// centre = round_half_even(S/2) per axis (batchgenerators v0.21). Images: cubic B-spline
// (map_coordinates order 3, mirror boundary for the coefficients), labels: per-label linear masks,
// a voxel takes the highest label whose mask reaches 0.5. Points outside [0, S-1] give 0 / 0.
struct SpatialDraw {
  std::array<double, 3> angles_rad{0.0, 0.0, 0.0};
  double scale = 1.0;
  const float* elastic = nullptr;  // optional (3, P0, P1, P2) displacement in output voxels
};
// `source` is overwritten with its spline coefficients.
void WarpPatch(float* source, const int8_t* source_label, int channels, const Shape3& source_shape,
               const SpatialDraw& draw, const Shape3& patch, float* out_image, int8_t* out_label);

// In-place cubic B-spline prefilter (mirror boundary) along every axis of a (Z, Y, X) block.
void BSplinePrefilter3D(float* data, const Shape3& shape);

}  // namespace pipe_core

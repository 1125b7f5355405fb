// The training transform chain of recipe 9.3, in the reference's order, for one sample.
#include "core/augment.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "core/augment_intensity.h"

namespace pipe_core {
namespace {

constexpr double kDegToRad = 3.14159265358979323846 / 180.0;

std::string ShapeText(const Shape3& s) {
  return "[" + std::to_string(s[0]) + "," + std::to_string(s[1]) + "," + std::to_string(s[2]) + "]";
}

// "50%: U(lo, 1), else U(max(lo, 1), hi)" -- the reference's draw for scale, contrast and gamma.
double DrawAroundOne(AugmentRng& rng, double lo, double hi) {
  if (lo < 1.0 && rng.Uniform() < 0.5) return rng.Uniform(lo, 1.0);
  return rng.Uniform(std::max(lo, 1.0), hi);
}

double DrawRange(AugmentRng& rng, double lo, double hi) { return lo == hi ? lo : rng.Uniform(lo, hi); }

void CheckProbability(double p, const char* field) {
  if (!(p >= 0.0 && p <= 1.0))
    throw std::invalid_argument(std::string("Expected a probability in [0, 1] for AugmentParams.") + field +
                                " but received " + std::to_string(p));
}

void CheckRange(double lo, double hi, const char* field) {
  if (!(lo <= hi) || !std::isfinite(lo) || !std::isfinite(hi))
    throw std::invalid_argument(std::string("Expected min <= max for AugmentParams.") + field + " but received [" +
                                std::to_string(lo) + ", " + std::to_string(hi) + "]");
}

}  // namespace

void ValidateAugmentParams(const AugmentParams& p) {
  CheckProbability(p.p_elastic, "p_elastic");
  CheckProbability(p.p_rotation, "p_rotation");
  CheckProbability(p.p_rotation_per_axis, "p_rotation_per_axis");
  CheckProbability(p.p_scale, "p_scale");
  CheckProbability(p.p_noise, "p_noise");
  CheckProbability(p.p_blur, "p_blur");
  CheckProbability(p.blur_p_per_channel, "blur_p_per_channel");
  CheckProbability(p.p_brightness, "p_brightness");
  CheckProbability(p.p_contrast, "p_contrast");
  CheckProbability(p.p_low_resolution, "p_low_resolution");
  CheckProbability(p.low_resolution_p_per_channel, "low_resolution_p_per_channel");
  CheckProbability(p.p_inverted_gamma, "p_inverted_gamma");
  CheckProbability(p.p_gamma, "p_gamma");
  CheckProbability(p.p_mirror_per_axis, "p_mirror_per_axis");
  CheckRange(p.elastic_alpha_min, p.elastic_alpha_max, "elastic_alpha");
  CheckRange(p.elastic_sigma_min, p.elastic_sigma_max, "elastic_sigma");
  CheckRange(p.scale_min, p.scale_max, "scale");
  CheckRange(p.noise_sigma_min, p.noise_sigma_max, "noise_sigma");
  CheckRange(p.blur_sigma_min, p.blur_sigma_max, "blur_sigma");
  CheckRange(p.brightness_min, p.brightness_max, "brightness");
  CheckRange(p.contrast_min, p.contrast_max, "contrast");
  CheckRange(p.low_resolution_zoom_min, p.low_resolution_zoom_max, "low_resolution_zoom");
  CheckRange(p.gamma_min, p.gamma_max, "gamma");
  if (!(p.scale_min > 0.0))
    throw std::invalid_argument("Expected scale_min > 0 for AugmentParams.scale_min but received " +
                                std::to_string(p.scale_min));
  if (!(p.low_resolution_zoom_min > 0.0))
    throw std::invalid_argument(
        "Expected low_resolution_zoom_min > 0 for AugmentParams.low_resolution_zoom_min but received " +
        std::to_string(p.low_resolution_zoom_min));
  if (!(p.gamma_min > 0.0))
    throw std::invalid_argument("Expected gamma_min > 0 for AugmentParams.gamma_min but received " +
                                std::to_string(p.gamma_min));
}

namespace {

// batchgenerators elastic_deform_coordinates: per axis U(-1, 1) noise, Gaussian-smoothed with a
// constant-0 border, times alpha; displacement in output voxels, added before rotation.
void ElasticField(const Shape3& patch, double alpha, double sigma, AugmentRng& rng, AugmentScratch* scratch) {
  const int64_t n = patch[0] * patch[1] * patch[2];
  scratch->elastic.resize(static_cast<size_t>(3 * n));
  for (int d = 0; d < 3; ++d) {
    float* f = scratch->elastic.data() + d * n;
    for (int64_t i = 0; i < n; ++i) f[i] = static_cast<float>(rng.Uniform() * 2.0 - 1.0);
    GaussianFilter(f, patch, sigma, true, &scratch->work_a);
    for (int64_t i = 0; i < n; ++i) f[i] *= static_cast<float>(alpha);
  }
}

}  // namespace

AugmentParams NoAugmentation() {
  AugmentParams p;
  p.do_elastic = p.do_rotation = p.do_scale = false;
  p.do_noise = p.do_blur = p.do_brightness = p.do_contrast = false;
  p.do_low_resolution = p.do_inverted_gamma = p.do_gamma = p.do_mirror = false;
  return p;
}

AppliedAugmentation AugmentSample(const AugmentParams& params, const SourceWindow& source, const Shape3& patch,
                                  AugmentRng& rng, float* out_image, int8_t* out_label, AugmentScratch* scratch) {
  ValidateAugmentParams(params);
  const Volume& v = source.volume;
  if (!v.image || !v.label || v.channels < 1)
    throw std::invalid_argument(
        "Expected an image, a label and channels >= 1 for AugmentSample's volume but received channels " +
        std::to_string(v.channels));
  for (int d = 0; d < 3; ++d) {
    if (v.shape[d] < 1 || patch[d] < 1 || source.size[d] < patch[d])
      throw std::invalid_argument("Expected volume shape >= 1 and source patch " + ShapeText(source.size) +
                                  " >= patch for AugmentSample but received patch " + ShapeText(patch) +
                                  " and volume " + ShapeText(v.shape));
  }
  if (!out_image || !out_label || !scratch)
    throw std::invalid_argument("Internal error: AugmentSample needs output buffers and scratch");

  AppliedAugmentation rec;
  const int64_t n = patch[0] * patch[1] * patch[2];
  const int channels = v.channels;

  // 2. SpatialTransform: draws in the reference's order (elastic, rotation, scale).
  if (params.do_elastic && rng.Chance(params.p_elastic)) {
    rec.elastic = true;
    rec.elastic_alpha = rng.Uniform(params.elastic_alpha_min, params.elastic_alpha_max);
    rec.elastic_sigma = rng.Uniform(params.elastic_sigma_min, params.elastic_sigma_max);
  }
  if (params.do_rotation && rng.Chance(params.p_rotation)) {
    rec.rotation = true;
    for (int a = 0; a < 3; ++a) {
      if (rng.Uniform() <= params.p_rotation_per_axis) {
        const double m = params.rotation_max_deg[a] * kDegToRad;
        rec.angles_rad[a] = rng.Uniform(-m, m);
      }
    }
  }
  if (params.do_scale && rng.Chance(params.p_scale)) {
    rec.scale = true;
    rec.scale_factor = DrawAroundOne(rng, params.scale_min, params.scale_max);
  }
  if (rec.Spatial()) {
    const int64_t svox = source.size[0] * source.size[1] * source.size[2];
    scratch->source.resize(static_cast<size_t>(svox * channels));
    scratch->source_label.resize(static_cast<size_t>(svox));
    CopyWindow(source, scratch->source.data(), scratch->source_label.data());
    SpatialDraw draw;
    draw.angles_rad = rec.angles_rad;
    draw.scale = rec.scale_factor;
    if (rec.elastic) {
      ElasticField(patch, rec.elastic_alpha, rec.elastic_sigma, rng, scratch);
      draw.elastic = scratch->elastic.data();
    }
    WarpPatch(scratch->source.data(), scratch->source_label.data(), channels, source.size, draw, patch, out_image,
              out_label);
  } else {
    // Plain centre crop of the source patch: offset (S - P) // 2.
    SourceWindow crop = source;
    for (int d = 0; d < 3; ++d) crop.corner[d] = source.corner[d] + (source.size[d] - patch[d]) / 2;
    crop.size = patch;
    CopyWindow(crop, out_image, out_label);
  }

  // 3. Gaussian noise (one sigma for all channels).
  if (params.do_noise && rng.Chance(params.p_noise)) {
    rec.noise = true;
    rec.noise_sigma = DrawRange(rng, params.noise_sigma_min, params.noise_sigma_max);
    for (int c = 0; c < channels; ++c) AddGaussianNoise(out_image + c * n, n, rec.noise_sigma, rng);
  }
  // 4. Gaussian blur, per channel with its own sigma.
  if (params.do_blur && rng.Chance(params.p_blur)) {
    for (int c = 0; c < channels; ++c) {
      if (rng.Uniform() <= params.blur_p_per_channel) {
        const double sigma = DrawRange(rng, params.blur_sigma_min, params.blur_sigma_max);
        GaussianBlur(out_image + c * n, patch, sigma, &scratch->work_a);
        ++rec.blurred_channels;
      }
    }
  }
  // 5. Multiplicative brightness, per channel.
  if (params.do_brightness && rng.Chance(params.p_brightness)) {
    rec.brightness = true;
    for (int c = 0; c < channels; ++c)
      MultiplyBrightness(out_image + c * n, n, DrawRange(rng, params.brightness_min, params.brightness_max));
  }
  // 6. Contrast, per channel.
  if (params.do_contrast && rng.Chance(params.p_contrast)) {
    rec.contrast = true;
    for (int c = 0; c < channels; ++c)
      AdjustContrast(out_image + c * n, n, DrawAroundOne(rng, params.contrast_min, params.contrast_max),
                     params.contrast_preserve_range);
  }
  // 7. Simulated low resolution, per channel.
  if (params.do_low_resolution && rng.Chance(params.p_low_resolution)) {
    for (int c = 0; c < channels; ++c) {
      if (rng.Uniform() < params.low_resolution_p_per_channel) {
        const double zoom = DrawRange(rng, params.low_resolution_zoom_min, params.low_resolution_zoom_max);
        SimulateLowResolution(out_image + c * n, patch, zoom, &scratch->work_a, &scratch->work_b);
        ++rec.low_resolution_channels;
      }
    }
  }
  // 8. Inverted gamma, 9. gamma (per channel).
  if (params.do_inverted_gamma && rng.Chance(params.p_inverted_gamma)) {
    rec.inverted_gamma = true;
    for (int c = 0; c < channels; ++c)
      ApplyGamma(out_image + c * n, n, DrawAroundOne(rng, params.gamma_min, params.gamma_max), true,
                 params.gamma_retain_stats);
  }
  if (params.do_gamma && rng.Chance(params.p_gamma)) {
    rec.gamma = true;
    for (int c = 0; c < channels; ++c)
      ApplyGamma(out_image + c * n, n, DrawAroundOne(rng, params.gamma_min, params.gamma_max), false,
                 params.gamma_retain_stats);
  }
  // 10. Mirroring, image and label together.
  if (params.do_mirror) {
    for (int a = 0; a < 3; ++a) {
      if (params.mirror_axes[a] && rng.Uniform() < params.p_mirror_per_axis) {
        rec.mirrored[a] = true;
        for (int c = 0; c < channels; ++c) MirrorAxis(out_image + c * n, patch, a);
        MirrorAxis(out_label, patch, a);
      }
    }
  }
  // 12. RemoveLabelTransform(-1 -> 0).
  for (int64_t i = 0; i < n; ++i)
    if (out_label[i] < 0) out_label[i] = 0;
  return rec;
}

}  // namespace pipe_core

// Basic training augmentation (recipe 9.3, the non-spatial part): centre crop from the loader patch to the network
// patch, multiplicative brightness, contrast, gamma (retain stats) and mirroring per axis. The full spatial chain
// (rotation, scaling, noise, blur, low-res, inverted gamma) plugs in through Augmenter (issue 5).
#pragma once

#include "core/rng.h"
#include "core/sampler.h"

namespace pipe_core {

class Augmenter {
 public:
  virtual ~Augmenter() = default;
  // in: a batch at the loader patch size; returns one at `patch` size. Operates on CPU tensors.
  virtual Batch Apply(Batch in, Rng& rng) = 0;
};

struct BasicAugmentOptions {
  Axes3 patch{128, 128, 128};
  bool mirror = true;
  std::array<bool, 3> mirror_axes{true, true, true};  // (z, y, x)
  double mirror_p = 0.5;                              // per axis
  double brightness_p = 0.15;                         // per sample
  double brightness_lo = 0.75, brightness_hi = 1.25;
  double contrast_p = 0.15;
  double contrast_lo = 0.75, contrast_hi = 1.25;
  double gamma_p = 0.3;
  double gamma_lo = 0.7, gamma_hi = 1.5;
};

class BasicAugmenter : public Augmenter {
 public:
  explicit BasicAugmenter(BasicAugmentOptions options) : options_(options) {}
  Batch Apply(Batch in, Rng& rng) override;

 private:
  BasicAugmentOptions options_;
};

// Centre crop (z, y, x) of a (B, ..., Z, Y, X) tensor to `patch`; identity when equal.
torch::Tensor CenterCrop(const torch::Tensor& t, const Axes3& patch);

}  // namespace pipe_core

// Basic intensity + mirror augmentation (see basic_augment.h). Parameters and order follow batchgenerators' transforms.
#include "core/basic_augment.h"

#include <vector>

namespace pipe_core {

torch::Tensor CenterCrop(const torch::Tensor& t, const Axes3& patch) {
  torch::Tensor out = t;
  const int64_t first = t.dim() - 3;
  for (int a = 0; a < 3; ++a) {
    const int64_t size = t.size(first + a);
    if (size == patch[a]) continue;
    out = out.narrow(first + a, (size - patch[a]) / 2, patch[a]);
  }
  return out.contiguous();
}

namespace {

// x is one channel (Z, Y, X), modified in place.
void Contrast(torch::Tensor x, double factor) {
  const double lo = x.min().item<double>(), hi = x.max().item<double>();
  const double mean = x.mean().item<double>();
  x.sub_(mean).mul_(factor).add_(mean).clamp_(lo, hi);
}

void Gamma(torch::Tensor x, double gamma) {
  const double mean = x.mean().item<double>(), sd = x.std().item<double>();
  const double lo = x.min().item<double>(), range = x.max().item<double>() - lo;
  x.sub_(lo).div_(range + 1e-7).pow_(gamma).mul_(range + 1e-7).add_(lo);
  const double mean2 = x.mean().item<double>(), sd2 = x.std().item<double>();
  x.sub_(mean2).div_(sd2 + 1e-8).mul_(sd).add_(mean);
}

}  // namespace

Batch BasicAugmenter::Apply(Batch in, Rng& rng) {
  const auto& o = options_;
  Batch out;
  out.ids = std::move(in.ids);
  out.data = CenterCrop(in.data, o.patch);
  out.seg = CenterCrop(in.seg, o.patch);
  const int64_t B = out.data.size(0), C = out.data.size(1);
  for (int64_t b = 0; b < B; ++b) {
    torch::Tensor img = out.data[b];
    if (rng.Bernoulli(o.brightness_p))
      for (int64_t c = 0; c < C; ++c) img[c].mul_(rng.Uniform(o.brightness_lo, o.brightness_hi));
    if (rng.Bernoulli(o.contrast_p))
      for (int64_t c = 0; c < C; ++c)
        Contrast(img[c], rng.Bernoulli(0.5) && o.contrast_lo < 1 ? rng.Uniform(o.contrast_lo, 1.0)
                                                                 : rng.Uniform(std::max(1.0, o.contrast_lo), o.contrast_hi));
    if (rng.Bernoulli(o.gamma_p))
      for (int64_t c = 0; c < C; ++c)
        Gamma(img[c], rng.Bernoulli(0.5) && o.gamma_lo < 1 ? rng.Uniform(o.gamma_lo, 1.0)
                                                           : rng.Uniform(std::max(1.0, o.gamma_lo), o.gamma_hi));
    if (o.mirror) {
      std::vector<int64_t> flip;
      for (int a = 0; a < 3; ++a)
        if (o.mirror_axes[a] && rng.Bernoulli(o.mirror_p)) flip.push_back(a + 1);  // dims of (C, Z, Y, X)
      if (!flip.empty()) {
        out.data[b].copy_(img.flip(flip));
        std::vector<int64_t> seg_flip;
        for (int64_t d : flip) seg_flip.push_back(d - 1);
        out.seg[b].copy_(out.seg[b].flip(seg_flip));
      }
    }
  }
  return out;
}

}  // namespace pipe_core

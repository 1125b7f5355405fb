// Loss and online-evaluation counts (see loss.h).
#include "core/loss.h"

#include <limits>
#include <stdexcept>
#include <string>

#include "core/fused_loss.h"

namespace pipe_core {

torch::Tensor DiceCeLoss(const torch::Tensor& logits_in, const torch::Tensor& target, const LossOptions& options) {
  // logits (N, K, Z, Y, X); target (N, Z, Y, X) int64.
  torch::Tensor ce, tp, fp, fn;   // tp/fp/fn: (N, K), or (K) with batch Dice
  if (UseFusedLoss(logits_in)) {  // one pass per head for softmax, CE and the sums (fused_loss.h)
    const SoftmaxStats s = FusedSoftmaxStats(logits_in, target);
    ce = s.ce_sum / static_cast<double>(target.numel());
    const torch::Tensor stats = options.batch_dice ? s.stats.sum(0) : s.stats;
    tp = stats.select(-1, 0);
    fp = stats.select(-1, 1) - tp;
    fn = stats.select(-1, 2) - tp;
  } else {
    const torch::Tensor logits = logits_in.to(torch::kFloat);
    ce = torch::nn::functional::cross_entropy(logits, target);
    const torch::Tensor p = torch::softmax(logits, /*dim=*/1);
    const torch::Tensor y = torch::zeros_like(p).scatter_(1, target.unsqueeze(1), 1.0);
    std::vector<int64_t> axes = {2, 3, 4};
    if (options.batch_dice) axes.insert(axes.begin(), 0);
    tp = (p * y).sum(axes);
    fp = p.sum(axes) - tp;
    fn = y.sum(axes) - tp;
  }
  if (options.batch_dice && options.reduce_dice_counts) {
    const torch::Tensor local = torch::stack({tp, fp, fn});
    const torch::Tensor global = local + (options.reduce_dice_counts(local.detach()) - local.detach());
    tp = global[0];
    fp = global[1];
    fn = global[2];
  }
  const torch::Tensor dc = (2 * tp + options.smooth) / (2 * tp + fp + fn + options.smooth + 1e-8);
  // Drop background: class axis is the last one left (K,) or (N, K).
  const torch::Tensor fg = dc.narrow(/*dim=*/dc.dim() - 1, /*start=*/1, /*length=*/dc.size(-1) - 1);
  if (options.ce_weight == 1.0 && options.dice_weight == 1.0) return ce - fg.mean();
  return options.ce_weight * ce - options.dice_weight * fg.mean();
}

torch::Tensor TargetAtScale(const torch::Tensor& target, torch::IntArrayRef spatial) {
  if (target.dim() != 4 || spatial.size() != 3)
    throw std::invalid_argument("TargetAtScale: expected a (N, Z, Y, X) target and a (z, y, x) size");
  torch::Tensor t = target;
  bool same = true;
  for (int64_t a = 0; a < 3; ++a) {
    const int64_t full = target.size(a + 1), small = spatial[a];
    if (small == full) continue;
    if (small < 1 || full % small != 0)
      throw std::invalid_argument("a head of size " + std::to_string(small) + " along axis " + std::to_string(a) +
                                  " does not divide the target's " + std::to_string(full));
    const int64_t s = full / small;
    t = t.slice(a + 1, s / 2, full, s);
    same = false;
  }
  return same ? target : t.contiguous();
}

LossResult DeepSupervisionLoss(const std::vector<torch::Tensor>& heads, const torch::Tensor& target,
                               const LossOptions& options) {
  if (heads.empty()) throw std::invalid_argument("DeepSupervisionLoss: no heads");
  if (!options.head_weights.empty() && options.head_weights.size() != heads.size())
    throw std::invalid_argument("Expected " + std::to_string(heads.size()) + " entries for headWeights but received " +
                                std::to_string(options.head_weights.size()));
  LossResult r;
  torch::Tensor scaled;  // the last downsampled target (Generic_UNet's heads each have their own size)
  for (size_t k = 0; k < heads.size(); ++k) {
    const double w = options.head_weights.empty() ? 1.0 : options.head_weights[k];
    const auto spatial = heads[k].sizes().slice(2);
    const bool full = spatial == target.sizes().slice(1);
    if (!full && (!scaled.defined() || scaled.sizes().slice(1) != spatial)) scaled = TargetAtScale(target, spatial);
    torch::Tensor l = DiceCeLoss(heads[k], full ? target : scaled, options);
    r.per_head.push_back(l.detach());
    if (w == 0.0) continue;
    r.total = r.total.defined() ? r.total + w * l : w * l;
  }
  if (!r.total.defined()) throw std::invalid_argument("Expected a nonzero entry in headWeights but all are 0");
  return r;
}

void AccumulateConfusion(const torch::Tensor& logits, const torch::Tensor& target, torch::Tensor& tp, torch::Tensor& fp,
                         torch::Tensor& fn) {
  torch::NoGradGuard no_grad;
  const int64_t k = logits.size(1);
  const torch::Tensor pred = logits.argmax(1);
  const auto opts = torch::TensorOptions().dtype(torch::kDouble);
  if (!tp.defined()) {
    tp = torch::zeros({k - 1}, opts);
    fp = torch::zeros({k - 1}, opts);
    fn = torch::zeros({k - 1}, opts);
  }
  for (int64_t c = 1; c < k; ++c) {
    const torch::Tensor pc = pred == c, tc = target == c;
    tp[c - 1] += (pc & tc).sum().to(torch::kCPU).item<double>();
    fp[c - 1] += (pc & ~tc).sum().to(torch::kCPU).item<double>();
    fn[c - 1] += (~pc & tc).sum().to(torch::kCPU).item<double>();
  }
}

double GlobalDice(const torch::Tensor& tp, const torch::Tensor& fp, const torch::Tensor& fn) {
  if (!tp.defined()) return std::numeric_limits<double>::quiet_NaN();
  double sum = 0;
  int n = 0;
  for (int64_t c = 0; c < tp.size(0); ++c) {
    const double t = tp[c].item<double>(), den = 2 * t + fp[c].item<double>() + fn[c].item<double>();
    if (den <= 0) continue;
    sum += 2 * t / den;
    ++n;
  }
  return n ? sum / n : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace pipe_core

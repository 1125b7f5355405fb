// nnU-Net's DC_and_CE loss (cross-entropy + soft Dice, batch Dice, no background, smooth 1e-5) applied to every
// UNet++ head against the full-resolution target with equal weights (recipe box + 8.3 variant (a)), and the
// tp/fp/fn counts of the online "global Dice" (recipe 8.5).
#pragma once

#include <torch/torch.h>

#include <functional>
#include <vector>

namespace pipe_core {

struct LossOptions {
  bool batch_dice = true;            // sum tp/fp/fn over the batch too (3d_fullres)
  double smooth = 1e-5;              // Dice smoothing
  std::vector<double> head_weights;  // one per head X^{0,1..n}; empty = all 1
  // Multi-device training (recipe 11.2): with batch Dice, sums this rank's (3, K) tp/fp/fn counts over the ranks;
  // the gradient flows through this rank's own counts only, as the reference's all-gather does. Empty = one process.
  std::function<torch::Tensor(const torch::Tensor&)> reduce_dice_counts;
  double ce_weight = 1.0, dice_weight = 1.0;  // loss = ce_weight * CE - dice_weight * mean foreground Dice
};

struct LossResult {
  torch::Tensor total;                  // scalar, differentiable
  std::vector<torch::Tensor> per_head;  // detached scalars, head X^{0,1} first
};

// logits is (N, K, Z, Y, X) (any float dtype; computed in fp32), target is (N, Z, Y, X) int64 in [0, K).
torch::Tensor DiceCeLoss(const torch::Tensor& logits, const torch::Tensor& target, const LossOptions& options);

// heads as returned by UNetPlusPlus::forward; sum_k w_k * DiceCeLoss(heads[k], target).
LossResult DeepSupervisionLoss(const std::vector<torch::Tensor>& heads, const torch::Tensor& target,
                               const LossOptions& options);

// Adds the argmax prediction's per-foreground-class counts to tp/fp/fn (each (K-1,) float64 on CPU).
void AccumulateConfusion(const torch::Tensor& logits, const torch::Tensor& target, torch::Tensor& tp, torch::Tensor& fp,
                         torch::Tensor& fn);

// Mean over classes of 2tp/(2tp+fp+fn), classes with an empty denominator dropped; NaN if all are.
double GlobalDice(const torch::Tensor& tp, const torch::Tensor& fp, const torch::Tensor& fn);

}  // namespace pipe_core

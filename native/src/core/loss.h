// nnU-Net's DC_and_CE loss (cross-entropy + soft Dice, batch Dice, no background, smooth 1e-5) applied to every
// head of a network against the target at that head's resolution, weighted per head (recipe box + 8.3: UNet++'s
// full-resolution heads with equal weights, variant (a); Generic_UNet's heads at 1/2^s with nnU-Net's weights, see
// DefaultHeadWeights in segmentation_network.h), and the tp/fp/fn counts of the online "global Dice" (recipe 8.5).
#pragma once

#include <torch/torch.h>

#include <functional>
#include <vector>

namespace pipe_core {

struct LossOptions {
  bool batch_dice = true;            // sum tp/fp/fn over the batch too (3d_fullres)
  double smooth = 1e-5;              // Dice smoothing
  std::vector<double> head_weights;  // one per head, in the network's head order; empty = all 1
  // Multi-device training (recipe 11.2): with batch Dice, sums this rank's (3, K) tp/fp/fn counts over the ranks;
  // the gradient flows through this rank's own counts only, as the reference's all-gather does. Empty = one process.
  std::function<torch::Tensor(const torch::Tensor&)> reduce_dice_counts;
  double ce_weight = 1.0, dice_weight = 1.0;  // loss = ce_weight * CE - dice_weight * mean foreground Dice
};

struct LossResult {
  torch::Tensor total;                  // scalar, differentiable
  std::vector<torch::Tensor> per_head;  // detached scalars, in the heads' order
};

// logits is (N, K, Z, Y, X) (any float dtype; computed in fp32), target is (N, Z, Y, X) int64 in [0, K).
torch::Tensor DiceCeLoss(const torch::Tensor& logits, const torch::Tensor& target, const LossOptions& options);

// The target (N, Z, Y, X) at a head's smaller spatial size (z, y, x): nearest neighbour as nnU-Net v1 downsamples
// its deep-supervision targets (skimage resize, order 0): output voxel o along an axis shrunk s-fold reads input
// voxel s*o + s/2 (integer division), i.e. floor((o + 0.5) * s). Every axis must shrink by an integer factor; an
// equal size returns `target` itself.
torch::Tensor TargetAtScale(const torch::Tensor& target, torch::IntArrayRef spatial);

// heads as returned by SegmentationNetwork::forward; sum_k w_k * DiceCeLoss(heads[k], target at heads[k]'s size).
LossResult DeepSupervisionLoss(const std::vector<torch::Tensor>& heads, const torch::Tensor& target,
                               const LossOptions& options);

// Adds the argmax prediction's per-foreground-class counts to tp/fp/fn (each (K-1,) float64 on CPU).
void AccumulateConfusion(const torch::Tensor& logits, const torch::Tensor& target, torch::Tensor& tp, torch::Tensor& fp,
                         torch::Tensor& fn);

// Mean over classes of 2tp/(2tp+fp+fn), classes with an empty denominator dropped; NaN if all are.
double GlobalDice(const torch::Tensor& tp, const torch::Tensor& fp, const torch::Tensor& fn);

}  // namespace pipe_core

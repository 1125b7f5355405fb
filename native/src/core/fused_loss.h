// The deep-supervision loss's per-voxel work in one pass per head (fused_loss_cuda.h): softmax, summed cross-entropy
// and the soft-Dice sums tp, psum, ysum per (sample, class), as a torch::autograd::Function whose backward is one
// more pass (the logits' gradient). DiceCeLoss (loss.h) uses it where UseFusedLoss says so and finishes the Dice
// and the mean in LibTorch on the (N, K) sums, DDP's count reduction included. Instead of ~13 full-size passes
// forward and ~10 backward per head (fp32 copy, log_softmax, softmax, one-hot, products, sums), and without keeping
// the fp32 copy, the probabilities and the one-hot target for backward.
// Switch: PIPE_FUSED_LOSS=0 selects LibTorch's ops; =reference also takes the path for fp32 CPU tensors through the
// CPU reference of the same math (fused_loss_cpu.h; the CPU tests); default: on for CUDA in builds with the kernels.
#pragma once

#include <torch/torch.h>

namespace pipe_core {

// Whether DiceCeLoss takes the fused path for these logits (N, K, Z, Y, X): switch on, 1 <= K <= 8, and either a
// CUDA tensor of fp32/fp16/bf16 in a build with the kernels or an fp32 CPU tensor under PIPE_FUSED_LOSS=reference.
bool UseFusedLoss(const torch::Tensor& logits);

struct SoftmaxStats {
  torch::Tensor stats;   // (N, K, 3) fp32: tp, psum, ysum per (sample, class); differentiable in tp and psum
  torch::Tensor ce_sum;  // 0-dim fp32: cross-entropy summed over every voxel; differentiable
};

// logits (N, K, Z, Y, X) of any accepted dtype and memory format; target (N, Z, Y, X) int64 in [0, K).
SoftmaxStats FusedSoftmaxStats(const torch::Tensor& logits, const torch::Tensor& target);

}  // namespace pipe_core

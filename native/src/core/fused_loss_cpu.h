// CPU reference of the fused loss statistics (fused_loss_math.h): the same per-voxel functions as the CUDA kernels,
// over fp32 logits, in plain loops. The autograd function (fused_loss.h) runs it for fp32 CPU tensors under
// PIPE_FUSED_LOSS=reference, which is how the CPU tests check the CUDA path's formulas and wiring.
#pragma once

#include <cstdint>

#include "core/fused_loss_math.h"

namespace pipe_core::fused_loss {

// stats (N, K, 3) fp32 = per (n, k): tp, psum, ysum; ce_sum (1) = sum over all voxels of the cross-entropy.
void StatsForwardCpu(const float* logits, const int64_t* target, float* stats, float* ce_sum, const LossShape& shape);

// dlogits (same strides as logits) from g_stats (N, K, 3: the ysum column is ignored) and g_ce (1).
void StatsBackwardCpu(const float* logits, const int64_t* target, const float* g_stats, const float* g_ce,
                      float* dlogits, const LossShape& shape);

}  // namespace pipe_core::fused_loss

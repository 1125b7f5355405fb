// The fused deep-supervision loss statistics as CUDA kernels: per head, one pass over the logits (fp32 / fp16 / bf16,
// NCDHW or NDHWC through element strides) and the int64 labels computes the softmax, the summed cross-entropy and
// the soft-Dice sums tp, psum, ysum per (sample, class); one pass computes the logits' gradient from the gradients
// of those sums. Deterministic: per-block tree sums, then partial sums combined in a fixed order. The per-voxel math
// is fused_loss_math.h, proved against LibTorch's loss on CPU by tests/fused_loss_test.cc; the device test
// tests/fused_loss_cuda_test.cc checks these kernels against the CPU reference. Plain C++ interface (raw device
// pointers, sizes, a stream); calls are asynchronous on `stream` and return the launch error, if any.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>

#include "core/element_type.h"
#include "core/fused_loss_math.h"

namespace pipe_core::fused_loss {

// Bytes of device scratch StatsForwardCuda needs for `shape`.
size_t StatsWorkspaceBytes(const LossShape& shape);

// stats (N, K, 3) fp32: tp, psum, ysum per (n, k); ce_sum (1) fp32: the cross-entropy summed over every voxel.
cudaError_t StatsForwardCuda(ElementType type, const void* logits, const int64_t* target, float* stats, float* ce_sum,
                             void* workspace, const LossShape& shape, cudaStream_t stream);

// dlogits (of `type`, the logits' strides) from g_stats (N, K, 3; the ysum column is ignored) and g_ce (1), both fp32
// on the device (read there: no host round trip).
cudaError_t StatsBackwardCuda(ElementType type, const void* logits, const int64_t* target, const float* g_stats,
                              const float* g_ce, void* dlogits, const LossShape& shape, cudaStream_t stream);

}  // namespace pipe_core::fused_loss

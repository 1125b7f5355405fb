// Fused InstanceNorm (affine) + LeakyReLU, forward and backward, as CUDA kernels on channels-last (NDHWC)
// fp32 / fp16 / bf16 tensors with fp32 statistics and fp32 gamma, beta and their gradients. A plain C++ interface
// (raw device pointers, sizes, a stream) so the kernels compile with nvcc alone and core never sees CUDA types
// beyond the runtime API. The per-element math is fused_norm_math.h, proved against LibTorch on CPU by
// tests/fused_norm_test.cc; tests/fused_norm_cuda_test.cc checks these kernels against LibTorch on the device.
// Forward: 3 kernels (partial Welford per spatial chunk, combine, transform); backward: 3 (partial gradient sums,
// combine with dgamma/dbeta, dx). All calls are asynchronous on `stream`; they return the launch error, if any.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>

#include "core/element_type.h"
#include "core/fused_norm_shape.h"

namespace pipe_core::fused_norm {

using pipe_core::ElementType;

// Bytes of device scratch either call needs for `shape` (the caller allocates it; no alignment beyond 4 needed).
size_t WorkspaceBytes(const NormActShape& shape);

// out = leaky_relu((x - mean) * invstd * gamma + beta) per instance (n, c); writes mean and invstd ([N * C], fp32)
// for the backward pass. x and out have `type`; gamma and beta are fp32 [C].
cudaError_t NormActForwardCuda(ElementType type, const void* x, const float* gamma, const float* beta, void* out,
                               float* mean, float* invstd, void* workspace, const NormActShape& shape,
                               const NormActParams& params, cudaStream_t stream);

// dx (of `type`), dgamma and dbeta (fp32 [C], overwritten) from dout (of `type`), the forward's input x and the
// mean and invstd it saved.
cudaError_t NormActBackwardCuda(ElementType type, const void* dout, const void* x, const float* gamma,
                                const float* beta, const float* mean, const float* invstd, void* dx, float* dgamma,
                                float* dbeta, void* workspace, const NormActShape& shape, const NormActParams& params,
                                cudaStream_t stream);

}  // namespace pipe_core::fused_norm

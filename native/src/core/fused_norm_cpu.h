// CPU reference of the fused InstanceNorm (affine) + LeakyReLU kernels, fp32, channels-last (see fused_norm_shape.h),
// built from the same per-element functions (fused_norm_math.h) and the same decomposition into spatial chunks whose
// partial statistics are combined, so comparing it with LibTorch's ops proves the math the CUDA kernels run.
// Not used by training: the CPU path keeps LibTorch's instance_norm + leaky_relu.
#pragma once

#include <cstdint>

#include "core/fused_norm_shape.h"

namespace pipe_core::fused_norm {

// out = leaky_relu(instance_norm(x) * gamma + beta); mean and invstd ([N * C]) are kept for the backward pass.
// The sums follow `split` (see fused_norm_shape.h), as the kernels' blocks and threads do.
void NormActForwardCpu(const float* x, const float* gamma, const float* beta, float* out, float* mean, float* invstd,
                       const NormActShape& shape, const NormActParams& params, const Decomposition& split);

// dx ([N * S * C]), dgamma and dbeta ([C]) from dout, the forward's input x and its saved mean and invstd.
void NormActBackwardCpu(const float* dout, const float* x, const float* gamma, const float* beta, const float* mean,
                        const float* invstd, float* dx, float* dgamma, float* dbeta, const NormActShape& shape,
                        const NormActParams& params, const Decomposition& split);

}  // namespace pipe_core::fused_norm

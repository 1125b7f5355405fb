// Sizes and constants of one fused InstanceNorm (affine) + LeakyReLU call on a channels-last (NDHWC) tensor:
// element (n, s, c) of x lies at x[(n * S + s) * C + c], S being the voxels of one channel (D * H * W).
// Shared by the CUDA kernels' interface (fused_norm_cuda.h) and the CPU reference (fused_norm_cpu.h).
#pragma once

#include <cstdint>

namespace pipe_core::fused_norm {

struct NormActShape {
  int64_t n;  // batch
  int64_t c;  // channels
  int64_t s;  // voxels per channel
};

struct NormActParams {
  float eps;             // InstanceNorm eps
  float negative_slope;  // LeakyReLU slope
};

}  // namespace pipe_core::fused_norm

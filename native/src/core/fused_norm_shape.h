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

// How the voxels of one instance are split for the reductions: chunks of `chunk` voxels (one CUDA block each), within
// a chunk `rows` interleaved partials (voxel s goes to row (s - chunk start) % rows; one thread each), the rows
// combined in order, then the chunks (in order on CPU; on the device in a fixed tree of the same Chan combine).
// The CUDA kernels use kKernelSplit; the CPU reference takes any, so its tests cover the same partial statistics.
struct Decomposition {
  int64_t chunk;
  int64_t rows;
};

inline constexpr Decomposition kKernelSplit{512, 8};

}  // namespace pipe_core::fused_norm

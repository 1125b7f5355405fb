// CUDA kernels of the fused InstanceNorm (affine) + LeakyReLU (see fused_norm_cuda.h).
// Decomposition: a block of kTileC x kRows threads covers kTileC consecutive channels (coalesced: NDHWC keeps them
// adjacent) and one spatial chunk of kChunk voxels of one sample; its threads reduce kChunk / kRows voxels each and
// combine through shared memory into one partial per (n, chunk, c). A second kernel combines the partials of
// each (n, c) in a fixed order (deterministic), a third runs the element-wise pass over the same tiles with the
// per-(n, c) constants held in registers (no index division).
#include "core/element_access.cuh"
#include "core/fused_norm_cuda.h"
#include "core/fused_norm_math.h"
#include "core/launch.cuh"

namespace pipe_core::fused_norm {

namespace {

constexpr int kTileC = 32;                                  // channels per block (one warp along x)
constexpr int kRows = static_cast<int>(kKernelSplit.rows);  // spatial rows per block (warps)
constexpr int64_t kChunk = kKernelSplit.chunk;              // voxels per partial statistic

int64_t Chunks(const NormActShape& shape) { return (shape.s + kChunk - 1) / kChunk; }
int64_t ChannelTiles(const NormActShape& shape) { return (shape.c + kTileC - 1) / kTileC; }

// The two kinds of partial sums, combined by one name (CombineRows, CombineChunks).
__device__ __forceinline__ Welford Combine(const Welford& a, const Welford& b) { return WelfordCombine(a, b); }
__device__ __forceinline__ GradSums Combine(const GradSums& a, const GradSums& b) { return GradSumsCombine(a, b); }

// Each thread row's sums combined in row order through the block's shared `rows`; the result is valid in row 0 only.
// Every thread of the block calls it (it holds a barrier); `rows` must not be written again before a barrier.
template <typename Sums>
__device__ Sums CombineRows(Sums sums, Sums (&rows)[kRows][kTileC]) {
  rows[threadIdx.y][threadIdx.x] = sums;
  __syncthreads();
  if (threadIdx.y == 0) {
    for (int r = 1; r < kRows; ++r) sums = Combine(sums, rows[r][threadIdx.x]);
  }
  return sums;
}

// The partials of instance (n, c) over its chunks, combined in a fixed order: thread row y takes chunks y, y + kRows,
// ...; then CombineRows. Valid in row 0 only; every thread of the block calls it; `rows` is free again when it returns.
template <typename Sums>
__device__ Sums CombineChunks(const Sums* partial, int64_t chunks, int64_t n, int64_t c, const NormActShape& shape,
                              Sums empty, Sums (&rows)[kRows][kTileC]) {
  Sums sums = empty;
  if (c < shape.c) {
    for (int64_t k = threadIdx.y; k < chunks; k += kRows) sums = Combine(sums, partial[(n * chunks + k) * shape.c + c]);
  }
  sums = CombineRows(sums, rows);
  __syncthreads();  // rows is reused by the caller's next call
  return sums;
}

// Partial Welford statistics of one (n, chunk, channel tile): partial[(n * chunks + chunk) * C + c].
template <typename T>
__global__ void StatsPartialKernel(const T* x, Welford* partial, NormActShape shape) {
  __shared__ Welford rows[kRows][kTileC];
  const int64_t c = static_cast<int64_t>(blockIdx.y) * kTileC + threadIdx.x;
  const int64_t n = blockIdx.z, chunk = blockIdx.x;
  const int64_t begin = chunk * kChunk, end = min(shape.s, begin + kChunk);
  Welford w = WelfordEmpty();
  if (c < shape.c) {
    for (int64_t s = begin + threadIdx.y; s < end; s += kRows) WelfordPush(w, Load(x, (n * shape.s + s) * shape.c + c));
  }
  w = CombineRows(w, rows);
  if (threadIdx.y != 0 || c >= shape.c) return;
  partial[(n * gridDim.x + chunk) * shape.c + c] = w;
}

// mean and invstd of each (n, c) from its chunks' partials; grid (channel tiles, N).
__global__ void StatsCombineKernel(const Welford* partial, int64_t chunks, float* mean, float* invstd,
                                   NormActShape shape, float eps) {
  __shared__ Welford rows[kRows][kTileC];
  const int64_t c = static_cast<int64_t>(blockIdx.x) * kTileC + threadIdx.x;
  const int64_t n = blockIdx.y;
  const Welford w = CombineChunks(partial, chunks, n, c, shape, WelfordEmpty(), rows);
  if (threadIdx.y != 0 || c >= shape.c) return;
  mean[n * shape.c + c] = w.mean;
  invstd[n * shape.c + c] = InvStd(w, eps);
}

// out over one (n, chunk, channel tile), the affine fixed per thread; grid as StatsPartialKernel's.
template <typename T>
__global__ void ForwardTransformKernel(const T* x, const float* gamma, const float* beta, const float* mean,
                                       const float* invstd, T* out, NormActShape shape, float slope) {
  const int64_t c = static_cast<int64_t>(blockIdx.y) * kTileC + threadIdx.x;
  if (c >= shape.c) return;
  const int64_t n = blockIdx.z, begin = static_cast<int64_t>(blockIdx.x) * kChunk, end = min(shape.s, begin + kChunk);
  const Affine a = MakeAffine(mean[n * shape.c + c], invstd[n * shape.c + c], gamma[c], beta[c]);
  for (int64_t s = begin + threadIdx.y; s < end; s += kRows) {
    const int64_t i = (n * shape.s + s) * shape.c + c;
    Store(out, i, NormActForward(Load(x, i), a, slope));
  }
}

// Partial backward sums of one (n, chunk, channel tile), laid out as the statistics' partials.
template <typename T>
__global__ void GradPartialKernel(const T* dout, const T* x, const float* gamma, const float* beta, const float* mean,
                                  const float* invstd, GradSums* partial, NormActShape shape, float slope) {
  __shared__ GradSums rows[kRows][kTileC];
  const int64_t c = static_cast<int64_t>(blockIdx.y) * kTileC + threadIdx.x;
  const int64_t n = blockIdx.z, chunk = blockIdx.x;
  const int64_t begin = chunk * kChunk, end = min(shape.s, begin + kChunk);
  GradSums g = GradSumsEmpty();
  if (c < shape.c) {
    const float m = mean[n * shape.c + c], r = invstd[n * shape.c + c];
    const Affine a = MakeAffine(m, r, gamma[c], beta[c]);
    for (int64_t s = begin + threadIdx.y; s < end; s += kRows) {
      const int64_t i = (n * shape.s + s) * shape.c + c;
      const float xi = Load(x, i);
      GradSumsPush(g, PreActivationGrad(Load(dout, i), xi, a, slope), (xi - m) * r);
    }
  }
  g = CombineRows(g, rows);
  if (threadIdx.y != 0 || c >= shape.c) return;
  partial[(n * gridDim.x + chunk) * shape.c + c] = g;
}

// Per (n, c): the dx coefficients; per c: dgamma and dbeta summed over n in order. Grid: channel tiles.
__global__ void GradCombineKernel(const GradSums* partial, int64_t chunks, const float* gamma, const float* invstd,
                                  InputGradCoeffs* coeffs, float* dgamma, float* dbeta, NormActShape shape) {
  __shared__ GradSums rows[kRows][kTileC];
  const int64_t c = static_cast<int64_t>(blockIdx.x) * kTileC + threadIdx.x;
  GradSums total = GradSumsEmpty();
  for (int64_t n = 0; n < shape.n; ++n) {
    const GradSums g = CombineChunks(partial, chunks, n, c, shape, GradSumsEmpty(), rows);
    if (threadIdx.y == 0 && c < shape.c) {
      const int64_t nc = n * shape.c + c;
      coeffs[nc] = MakeInputGradCoeffs(g, gamma[c], invstd[nc], static_cast<float>(shape.s));
      total = GradSumsCombine(total, g);
    }
  }
  if (threadIdx.y != 0 || c >= shape.c) return;
  dgamma[c] = total.dy_xhat;
  dbeta[c] = total.dy;
}

// dx over one (n, chunk, channel tile); grid as GradPartialKernel's.
template <typename T>
__global__ void InputGradKernel(const T* dout, const T* x, const float* gamma, const float* beta, const float* mean,
                                const float* invstd, const InputGradCoeffs* coeffs, T* dx, NormActShape shape,
                                float slope) {
  const int64_t c = static_cast<int64_t>(blockIdx.y) * kTileC + threadIdx.x;
  if (c >= shape.c) return;
  const int64_t n = blockIdx.z, begin = static_cast<int64_t>(blockIdx.x) * kChunk, end = min(shape.s, begin + kChunk);
  const int64_t nc = n * shape.c + c;
  const float m = mean[nc], r = invstd[nc];
  const Affine a = MakeAffine(m, r, gamma[c], beta[c]);
  const InputGradCoeffs k = coeffs[nc];
  for (int64_t s = begin + threadIdx.y; s < end; s += kRows) {
    const int64_t i = (n * shape.s + s) * shape.c + c;
    const float xi = Load(x, i);
    Store(dx, i, InputGrad(PreActivationGrad(Load(dout, i), xi, a, slope), (xi - m) * r, k));
  }
}

// One block per (spatial chunk, channel tile, sample).
dim3 Tiles(const NormActShape& shape) {
  return dim3(static_cast<unsigned>(Chunks(shape)), static_cast<unsigned>(ChannelTiles(shape)),
              static_cast<unsigned>(shape.n));
}

bool Empty(const NormActShape& shape) { return shape.n <= 0 || shape.c <= 0 || shape.s <= 0; }

// Grid dimensions y and z are limited to 65535.
bool TooLarge(const NormActShape& shape) { return shape.n > 65535 || ChannelTiles(shape) > 65535; }

template <typename T>
cudaError_t Forward(const T* x, const float* gamma, const float* beta, T* out, float* mean, float* invstd,
                    void* workspace, const NormActShape& shape, const NormActParams& params, cudaStream_t stream) {
  if (Empty(shape)) return cudaSuccess;
  if (TooLarge(shape)) return cudaErrorInvalidValue;
  const int64_t chunks = Chunks(shape);
  auto* partial = static_cast<Welford*>(workspace);
  const dim3 block(kTileC, kRows), tiles = Tiles(shape);
  PIPE_LAUNCH(StatsPartialKernel<T>, tiles, block, stream, x, partial, shape);
  const dim3 combine(static_cast<unsigned>(ChannelTiles(shape)), static_cast<unsigned>(shape.n));
  PIPE_LAUNCH(StatsCombineKernel, combine, block, stream, partial, chunks, mean, invstd, shape, params.eps);
  PIPE_LAUNCH(ForwardTransformKernel<T>, tiles, block, stream, x, gamma, beta, mean, invstd, out, shape,
              params.negative_slope);
  return cudaGetLastError();
}

template <typename T>
cudaError_t Backward(const T* dout, const T* x, const float* gamma, const float* beta, const float* mean,
                     const float* invstd, T* dx, float* dgamma, float* dbeta, void* workspace,
                     const NormActShape& shape, const NormActParams& params, cudaStream_t stream) {
  if (Empty(shape)) {  // no voxels: nothing to normalize, zero parameter gradients
    if (shape.c <= 0) return cudaSuccess;
    cudaMemsetAsync(dgamma, 0, static_cast<size_t>(shape.c) * sizeof(float), stream);
    cudaMemsetAsync(dbeta, 0, static_cast<size_t>(shape.c) * sizeof(float), stream);
    return cudaGetLastError();
  }
  if (TooLarge(shape)) return cudaErrorInvalidValue;
  const int64_t chunks = Chunks(shape);
  auto* partial = static_cast<GradSums*>(workspace);
  auto* coeffs = reinterpret_cast<InputGradCoeffs*>(partial + shape.n * chunks * shape.c);
  const dim3 block(kTileC, kRows), tiles = Tiles(shape);
  PIPE_LAUNCH(GradPartialKernel<T>, tiles, block, stream, dout, x, gamma, beta, mean, invstd, partial, shape,
              params.negative_slope);
  PIPE_LAUNCH(GradCombineKernel, static_cast<unsigned>(ChannelTiles(shape)), block, stream, partial, chunks, gamma,
              invstd, coeffs, dgamma, dbeta, shape);
  PIPE_LAUNCH(InputGradKernel<T>, tiles, block, stream, dout, x, gamma, beta, mean, invstd, coeffs, dx, shape,
              params.negative_slope);
  return cudaGetLastError();
}

}  // namespace

size_t WorkspaceBytes(const NormActShape& shape) {
  const auto partials = static_cast<size_t>(shape.n * Chunks(shape) * shape.c);
  const size_t forward = partials * sizeof(Welford);
  const size_t backward =
      partials * sizeof(GradSums) + static_cast<size_t>(shape.n * shape.c) * sizeof(InputGradCoeffs);
  return forward > backward ? forward : backward;
}

cudaError_t NormActForwardCuda(ElementType type, const void* x, const float* gamma, const float* beta, void* out,
                               float* mean, float* invstd, void* workspace, const NormActShape& shape,
                               const NormActParams& params, cudaStream_t stream) {
  switch (type) {
    case ElementType::kFloat32:
      return Forward(static_cast<const float*>(x), gamma, beta, static_cast<float*>(out), mean, invstd, workspace,
                     shape, params, stream);
    case ElementType::kFloat16:
      return Forward(static_cast<const __half*>(x), gamma, beta, static_cast<__half*>(out), mean, invstd, workspace,
                     shape, params, stream);
    case ElementType::kBFloat16:
      return Forward(static_cast<const __nv_bfloat16*>(x), gamma, beta, static_cast<__nv_bfloat16*>(out), mean, invstd,
                     workspace, shape, params, stream);
  }
  return cudaErrorInvalidValue;
}

cudaError_t NormActBackwardCuda(ElementType type, const void* dout, const void* x, const float* gamma,
                                const float* beta, const float* mean, const float* invstd, void* dx, float* dgamma,
                                float* dbeta, void* workspace, const NormActShape& shape, const NormActParams& params,
                                cudaStream_t stream) {
  switch (type) {
    case ElementType::kFloat32:
      return Backward(static_cast<const float*>(dout), static_cast<const float*>(x), gamma, beta, mean, invstd,
                      static_cast<float*>(dx), dgamma, dbeta, workspace, shape, params, stream);
    case ElementType::kFloat16:
      return Backward(static_cast<const __half*>(dout), static_cast<const __half*>(x), gamma, beta, mean, invstd,
                      static_cast<__half*>(dx), dgamma, dbeta, workspace, shape, params, stream);
    case ElementType::kBFloat16:
      return Backward(static_cast<const __nv_bfloat16*>(dout), static_cast<const __nv_bfloat16*>(x), gamma, beta, mean,
                      invstd, static_cast<__nv_bfloat16*>(dx), dgamma, dbeta, workspace, shape, params, stream);
  }
  return cudaErrorInvalidValue;
}

}  // namespace pipe_core::fused_norm

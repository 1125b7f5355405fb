// CUDA kernels of the fused loss statistics (see fused_loss_cuda.h).
#include "core/element_access.cuh"
#include "core/fused_loss_cuda.h"
#include "core/launch.cuh"

namespace pipe_core::fused_loss {

namespace {

constexpr int kThreads = 256;
constexpr int64_t kChunk = kThreads * 16;  // voxels per block

int64_t Chunks(const LossShape& shape) { return (shape.s + kChunk - 1) / kChunk; }
__host__ __device__ int Values(const LossShape& shape) { return 3 * static_cast<int>(shape.k) + 1; }

// Sums v over the block (a tree in shared memory); the result is valid in thread 0.
__device__ float BlockSum(float v, float* shared) {
  shared[threadIdx.x] = v;
  __syncthreads();
  for (int width = kThreads / 2; width > 0; width /= 2) {
    if (threadIdx.x < width) shared[threadIdx.x] += shared[threadIdx.x + width];
    __syncthreads();
  }
  const float total = shared[0];
  __syncthreads();  // shared is reused by the next call
  return total;
}

// partial[(n * chunks + chunk) * values + v]: this block's sums.
template <typename T>
__global__ void StatsPartialKernel(const T* logits, const int64_t* target, float* partial, LossShape shape) {
  __shared__ float shared[kThreads];
  const int k = static_cast<int>(shape.k);
  const int64_t n = blockIdx.y, chunk = blockIdx.x;
  const int64_t begin = chunk * kChunk, end = min(shape.s, begin + kChunk);
  float tp[kMaxClasses], psum[kMaxClasses], ysum[kMaxClasses], ce = 0.f;
#pragma unroll
  for (int j = 0; j < kMaxClasses; ++j) tp[j] = psum[j] = ysum[j] = 0.f;
  for (int64_t s = begin + threadIdx.x; s < end; s += kThreads) {
    float z[kMaxClasses], p[kMaxClasses];
    const int64_t base = n * shape.stride_n + s * shape.stride_s;
#pragma unroll
    for (int j = 0; j < kMaxClasses; ++j)
      if (j < k) z[j] = Load(logits, base + j * shape.stride_k);
    const int64_t t = target[n * shape.s + s];
    const float lse = Softmax(z, k, p);
#pragma unroll
    for (int j = 0; j < kMaxClasses; ++j) {
      if (j >= k) continue;
      psum[j] += p[j];
      if (j == t) {
        tp[j] += p[j];
        ysum[j] += 1.f;
        ce += lse - z[j];
      }
    }
  }
  float* out = partial + (n * gridDim.x + chunk) * Values(shape);
#pragma unroll
  for (int j = 0; j < kMaxClasses; ++j) {
    if (j >= k) continue;
    const float a = BlockSum(tp[j], shared), b = BlockSum(psum[j], shared), c = BlockSum(ysum[j], shared);
    if (threadIdx.x == 0) {
      out[3 * j] = a;
      out[3 * j + 1] = b;
      out[3 * j + 2] = c;
    }
  }
  const float total = BlockSum(ce, shared);
  if (threadIdx.x == 0) out[3 * k] = total;
}

// stats[(n * K + j) * 3 + q] and ce_sum from the partials, each summed over the chunks in order (one block).
__global__ void StatsCombineKernel(const float* partial, int64_t chunks, float* stats, float* ce_sum, float* ce_per_n,
                                   LossShape shape) {
  const int values = Values(shape);
  for (int64_t item = threadIdx.x; item < shape.n * values; item += blockDim.x) {
    const int64_t n = item / values;
    const int v = static_cast<int>(item % values);
    float sum = 0.f;
    for (int64_t c = 0; c < chunks; ++c) sum += partial[(n * chunks + c) * values + v];
    if (v == values - 1) {
      ce_per_n[n] = sum;
    } else {
      stats[n * shape.k * 3 + v] = sum;  // v = 3 * class + q
    }
  }
  __syncthreads();
  if (threadIdx.x == 0) {
    float sum = 0.f;
    for (int64_t n = 0; n < shape.n; ++n) sum += ce_per_n[n];
    *ce_sum = sum;
  }
}

template <typename T>
__global__ void GradKernel(const T* logits, const int64_t* target, const float* g_stats, const float* g_ce, T* dlogits,
                           LossShape shape) {
  const int k = static_cast<int>(shape.k);
  const int64_t n = blockIdx.y, begin = static_cast<int64_t>(blockIdx.x) * kChunk, end = min(shape.s, begin + kChunk);
  float g_tp[kMaxClasses], g_psum[kMaxClasses];
#pragma unroll
  for (int j = 0; j < kMaxClasses; ++j) {
    g_tp[j] = j < k ? g_stats[(n * shape.k + j) * 3] : 0.f;
    g_psum[j] = j < k ? g_stats[(n * shape.k + j) * 3 + 1] : 0.f;
  }
  const float gc = *g_ce;
  for (int64_t s = begin + threadIdx.x; s < end; s += kThreads) {
    float z[kMaxClasses], p[kMaxClasses], dz[kMaxClasses];
    const int64_t base = n * shape.stride_n + s * shape.stride_s;
#pragma unroll
    for (int j = 0; j < kMaxClasses; ++j)
      if (j < k) z[j] = Load(logits, base + j * shape.stride_k);
    Softmax(z, k, p);
    VoxelGrad(p, k, target[n * shape.s + s], g_tp, g_psum, gc, dz);
#pragma unroll
    for (int j = 0; j < kMaxClasses; ++j)
      if (j < k) Store(dlogits, base + j * shape.stride_k, dz[j]);
  }
}

bool Invalid(const LossShape& shape) { return shape.k < 1 || shape.k > kMaxClasses || shape.n > 65535; }

template <typename T>
cudaError_t Forward(const T* logits, const int64_t* target, float* stats, float* ce_sum, void* workspace,
                    const LossShape& shape, cudaStream_t stream) {
  if (Invalid(shape)) return cudaErrorInvalidValue;
  if (shape.n == 0 || shape.s == 0) {
    cudaMemsetAsync(stats, 0, static_cast<size_t>(shape.n * shape.k * 3) * sizeof(float), stream);
    cudaMemsetAsync(ce_sum, 0, sizeof(float), stream);
    return cudaGetLastError();
  }
  const int64_t chunks = Chunks(shape);
  auto* partial = static_cast<float*>(workspace);
  float* ce_per_n = partial + shape.n * chunks * Values(shape);
  const dim3 grid(static_cast<unsigned>(chunks), static_cast<unsigned>(shape.n));
  PIPE_LAUNCH(StatsPartialKernel<T>, grid, kThreads, stream, logits, target, partial, shape);
  PIPE_LAUNCH(StatsCombineKernel, 1, kThreads, stream, partial, chunks, stats, ce_sum, ce_per_n, shape);
  return cudaGetLastError();
}

template <typename T>
cudaError_t Backward(const T* logits, const int64_t* target, const float* g_stats, const float* g_ce, T* dlogits,
                     const LossShape& shape, cudaStream_t stream) {
  if (Invalid(shape)) return cudaErrorInvalidValue;
  if (shape.n == 0 || shape.s == 0) return cudaSuccess;
  const dim3 grid(static_cast<unsigned>(Chunks(shape)), static_cast<unsigned>(shape.n));
  PIPE_LAUNCH(GradKernel<T>, grid, kThreads, stream, logits, target, g_stats, g_ce, dlogits, shape);
  return cudaGetLastError();
}

}  // namespace

size_t StatsWorkspaceBytes(const LossShape& shape) {
  return static_cast<size_t>(shape.n * Chunks(shape) * Values(shape) + shape.n) * sizeof(float);
}

cudaError_t StatsForwardCuda(ElementType type, const void* logits, const int64_t* target, float* stats, float* ce_sum,
                             void* workspace, const LossShape& shape, cudaStream_t stream) {
  switch (type) {
    case ElementType::kFloat32:
      return Forward(static_cast<const float*>(logits), target, stats, ce_sum, workspace, shape, stream);
    case ElementType::kFloat16:
      return Forward(static_cast<const __half*>(logits), target, stats, ce_sum, workspace, shape, stream);
    case ElementType::kBFloat16:
      return Forward(static_cast<const __nv_bfloat16*>(logits), target, stats, ce_sum, workspace, shape, stream);
  }
  return cudaErrorInvalidValue;
}

cudaError_t StatsBackwardCuda(ElementType type, const void* logits, const int64_t* target, const float* g_stats,
                              const float* g_ce, void* dlogits, const LossShape& shape, cudaStream_t stream) {
  switch (type) {
    case ElementType::kFloat32:
      return Backward(static_cast<const float*>(logits), target, g_stats, g_ce, static_cast<float*>(dlogits), shape,
                      stream);
    case ElementType::kFloat16:
      return Backward(static_cast<const __half*>(logits), target, g_stats, g_ce, static_cast<__half*>(dlogits), shape,
                      stream);
    case ElementType::kBFloat16:
      return Backward(static_cast<const __nv_bfloat16*>(logits), target, g_stats, g_ce,
                      static_cast<__nv_bfloat16*>(dlogits), shape, stream);
  }
  return cudaErrorInvalidValue;
}

}  // namespace pipe_core::fused_loss

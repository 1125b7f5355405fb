// The per-voxel math of the fused deep-supervision loss statistics (softmax, cross-entropy, soft-Dice sums), shared by
// the CUDA kernels (fused_loss_cuda.cu) and the CPU reference (fused_loss_cpu.cc), so the reference's comparison
// with LibTorch's loss (tests/fused_loss_test.cc) proves the formulas the kernels use. Under nvcc also __device__.
// Per voxel with logits z_k (k < K) and label t: p = softmax(z), ce = logsumexp(z) - z_t; per (n, k) the sums
// tp = sum p_k [t == k], psum = sum p_k, ysum = sum [t == k]. Backward, from the gradients g_tp, g_psum of the sums
// and g_ce of the summed cross-entropy: with g_k = g_tp[k] [t == k] + g_psum[k],
//   dz_k = p_k (g_k - sum_j p_j g_j) + g_ce (p_k - [t == k]).
#pragma once

#include <math.h>

#include <cstdint>

#if defined(__CUDACC__)
#define PIPE_LOSS_HD __host__ __device__ __forceinline__
#else
#define PIPE_LOSS_HD inline
#endif

namespace pipe_core::fused_loss {

constexpr int kMaxClasses = 8;  // the kernels keep a voxel's K logits in registers

// logits (N, K, S) with element strides: n, class, voxel (NCDHW: K*S, S, 1; NDHWC: S*K, 1, K).
struct LossShape {
  int64_t n, k, s;
  int64_t stride_n, stride_k, stride_s;
};

// Softmax of one voxel's logits z[0..k) into p; returns logsumexp(z).
PIPE_LOSS_HD float Softmax(const float* z, int k, float* p) {
  float m = z[0];
  for (int j = 1; j < k; ++j) m = fmaxf(m, z[j]);
  float sum = 0.f;
  for (int j = 0; j < k; ++j) {
    p[j] = expf(z[j] - m);
    sum += p[j];
  }
  const float inv = 1.f / sum;
  for (int j = 0; j < k; ++j) p[j] *= inv;
  return m + logf(sum);
}

// dz[0..k) of one voxel from its probabilities p, label t, per-class gradients of (tp, psum) and of the summed CE.
PIPE_LOSS_HD void VoxelGrad(const float* p, int k, int64_t t, const float* g_tp, const float* g_psum, float g_ce,
                            float* dz) {
  float dot = 0.f;
  for (int j = 0; j < k; ++j) {
    dz[j] = g_psum[j] + (j == t ? g_tp[j] : 0.f);  // g_j
    dot += p[j] * dz[j];
  }
  for (int j = 0; j < k; ++j) dz[j] = p[j] * (dz[j] - dot) + g_ce * (p[j] - (j == t ? 1.f : 0.f));
}

}  // namespace pipe_core::fused_loss

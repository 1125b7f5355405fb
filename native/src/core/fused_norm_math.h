// The per-element math of fused InstanceNorm (affine) + LeakyReLU, shared by the CUDA kernels
// (fused_norm_cuda.cu) and the CPU reference (fused_norm_cpu.cc), so the reference's comparison with LibTorch
// proves the formulas the kernels use. Plain inline functions; under nvcc they are also __device__.
// Statistics are fp32 Welford (per-thread push, Chan's pairwise combine); the variance is the biased one
// InstanceNorm uses. Backward, per instance (n, c) with S voxels, xhat = (x - mean) * invstd,
// y = gamma * xhat + beta, dy = dout * (y > 0 ? 1 : slope):
//   dgamma = sum_n sum_s dy * xhat, dbeta = sum_n sum_s dy,
//   dx = gamma * invstd * (dy - sum_s dy / S - xhat * sum_s (dy * xhat) / S).
#pragma once

#include <math.h>

#if defined(__CUDACC__)
#define PIPE_HD __host__ __device__ __forceinline__
#else
#define PIPE_HD inline
#endif

namespace pipe_core::fused_norm {

struct Welford {
  float count;
  float mean;
  float m2;  // sum of squared deviations from mean
};

PIPE_HD Welford WelfordEmpty() { return Welford{0.f, 0.f, 0.f}; }

PIPE_HD void WelfordPush(Welford& w, float x) {
  w.count += 1.f;
  const float delta = x - w.mean;
  w.mean += delta / w.count;
  w.m2 += delta * (x - w.mean);
}

// Chan et al.'s combination of two partial statistics; either may be empty.
PIPE_HD Welford WelfordCombine(const Welford& a, const Welford& b) {
  const float count = a.count + b.count;
  if (b.count == 0.f) return a;
  if (a.count == 0.f) return b;
  const float delta = b.mean - a.mean;
  const float b_share = b.count / count;
  return Welford{count, a.mean + delta * b_share, a.m2 + b.m2 + delta * delta * a.count * b_share};
}

// 1 / sqrt(biased variance + eps); sqrtf and division are IEEE on host and device (nvcc's defaults).
PIPE_HD float InvStd(const Welford& w, float eps) { return 1.f / sqrtf(w.m2 / w.count + eps); }

// y = x * scale + shift with scale = gamma * invstd, shift = beta - mean * scale.
struct Affine {
  float scale;
  float shift;
};

PIPE_HD Affine MakeAffine(float mean, float invstd, float gamma, float beta) {
  const float scale = gamma * invstd;
  return Affine{scale, beta - mean * scale};
}

PIPE_HD float LeakyRelu(float y, float slope) { return y > 0.f ? y : y * slope; }

PIPE_HD float NormActForward(float x, const Affine& a, float slope) { return LeakyRelu(x * a.scale + a.shift, slope); }

// Gradient at the norm's output: LeakyReLU's derivative taken where y > 0 (as LibTorch's leaky_relu_backward).
PIPE_HD float PreActivationGrad(float dout, float x, const Affine& a, float slope) {
  return x * a.scale + a.shift > 0.f ? dout : dout * slope;
}

// Per-instance sums of the backward pass.
struct GradSums {
  float dy;       // sum of dy
  float dy_xhat;  // sum of dy * xhat
};

PIPE_HD GradSums GradSumsEmpty() { return GradSums{0.f, 0.f}; }

PIPE_HD void GradSumsPush(GradSums& g, float dy, float xhat) {
  g.dy += dy;
  g.dy_xhat += dy * xhat;
}

PIPE_HD GradSums GradSumsCombine(const GradSums& a, const GradSums& b) {
  return GradSums{a.dy + b.dy, a.dy_xhat + b.dy_xhat};
}

// dx = k * dy - mean_term - xhat_term * xhat, the coefficients fixed per instance.
struct InputGradCoeffs {
  float k;
  float mean_term;
  float xhat_term;
};

PIPE_HD InputGradCoeffs MakeInputGradCoeffs(const GradSums& sums, float gamma, float invstd, float count) {
  const float k = gamma * invstd;
  return InputGradCoeffs{k, k * sums.dy / count, k * sums.dy_xhat / count};
}

PIPE_HD float InputGrad(float dy, float xhat, const InputGradCoeffs& c) {
  return c.k * dy - c.mean_term - c.xhat_term * xhat;
}

}  // namespace pipe_core::fused_norm

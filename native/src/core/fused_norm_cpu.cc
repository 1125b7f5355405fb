// CPU reference of the fused InstanceNorm + LeakyReLU (see fused_norm_cpu.h).
#include "core/fused_norm_cpu.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "core/fused_norm_math.h"

namespace pipe_core::fused_norm {

namespace {

void CheckChunk(int64_t chunk) {
  if (chunk < 1) throw std::invalid_argument("fused norm reference: chunk must be >= 1, got " + std::to_string(chunk));
}

int64_t At(const NormActShape& shape, int64_t n, int64_t s, int64_t c) { return (n * shape.s + s) * shape.c + c; }

}  // namespace

void NormActForwardCpu(const float* x, const float* gamma, const float* beta, float* out, float* mean, float* invstd,
                       const NormActShape& shape, const NormActParams& params, int64_t chunk) {
  CheckChunk(chunk);
  for (int64_t n = 0; n < shape.n; ++n) {
    for (int64_t c = 0; c < shape.c; ++c) {
      Welford total = WelfordEmpty();
      for (int64_t s0 = 0; s0 < shape.s; s0 += chunk) {
        Welford part = WelfordEmpty();
        for (int64_t s = s0; s < std::min(shape.s, s0 + chunk); ++s) WelfordPush(part, x[At(shape, n, s, c)]);
        total = WelfordCombine(total, part);
      }
      mean[n * shape.c + c] = total.mean;
      invstd[n * shape.c + c] = InvStd(total, params.eps);
      const Affine a = MakeAffine(total.mean, invstd[n * shape.c + c], gamma[c], beta[c]);
      for (int64_t s = 0; s < shape.s; ++s) {
        out[At(shape, n, s, c)] = NormActForward(x[At(shape, n, s, c)], a, params.negative_slope);
      }
    }
  }
}

void NormActBackwardCpu(const float* dout, const float* x, const float* gamma, const float* beta, const float* mean,
                        const float* invstd, float* dx, float* dgamma, float* dbeta, const NormActShape& shape,
                        const NormActParams& params, int64_t chunk) {
  CheckChunk(chunk);
  std::fill(dgamma, dgamma + shape.c, 0.f);
  std::fill(dbeta, dbeta + shape.c, 0.f);
  for (int64_t n = 0; n < shape.n; ++n) {
    for (int64_t c = 0; c < shape.c; ++c) {
      const float m = mean[n * shape.c + c], r = invstd[n * shape.c + c];
      const Affine a = MakeAffine(m, r, gamma[c], beta[c]);
      GradSums total = GradSumsEmpty();
      for (int64_t s0 = 0; s0 < shape.s; s0 += chunk) {
        GradSums part = GradSumsEmpty();
        for (int64_t s = s0; s < std::min(shape.s, s0 + chunk); ++s) {
          const int64_t i = At(shape, n, s, c);
          GradSumsPush(part, PreActivationGrad(dout[i], x[i], a, params.negative_slope), (x[i] - m) * r);
        }
        total = GradSumsCombine(total, part);
      }
      dgamma[c] += total.dy_xhat;
      dbeta[c] += total.dy;
      const InputGradCoeffs k = MakeInputGradCoeffs(total, gamma[c], r, static_cast<float>(shape.s));
      for (int64_t s = 0; s < shape.s; ++s) {
        const int64_t i = At(shape, n, s, c);
        dx[i] = InputGrad(PreActivationGrad(dout[i], x[i], a, params.negative_slope), (x[i] - m) * r, k);
      }
    }
  }
}

}  // namespace pipe_core::fused_norm

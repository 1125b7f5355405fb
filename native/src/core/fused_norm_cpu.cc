// CPU reference of the fused InstanceNorm + LeakyReLU (see fused_norm_cpu.h).
#include "core/fused_norm_cpu.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/fused_norm_math.h"

namespace pipe_core::fused_norm {

namespace {

void CheckSplit(const Decomposition& split) {
  if (split.chunk < 1 || split.rows < 1) {
    throw std::invalid_argument("fused norm reference: chunk and rows must be >= 1, got " +
                                std::to_string(split.chunk) + " and " + std::to_string(split.rows));
  }
}

// Reduces voxels [s0, s1) of one instance as a block of the kernels does: `rows` interleaved partials combined in
// order. Push(acc, s) adds voxel s to acc.
template <typename Acc, typename Push, typename Combine>
Acc ReduceChunk(int64_t s0, int64_t s1, const Decomposition& split, Acc empty, Push push, Combine combine) {
  std::vector<Acc> rows(static_cast<size_t>(split.rows), empty);
  for (int64_t s = s0; s < s1; ++s) push(rows[static_cast<size_t>((s - s0) % split.rows)], s);
  Acc acc = rows[0];
  for (size_t r = 1; r < rows.size(); ++r) acc = combine(acc, rows[r]);
  return acc;
}

int64_t At(const NormActShape& shape, int64_t n, int64_t s, int64_t c) { return (n * shape.s + s) * shape.c + c; }

}  // namespace

void NormActForwardCpu(const float* x, const float* gamma, const float* beta, float* out, float* mean, float* invstd,
                       const NormActShape& shape, const NormActParams& params, const Decomposition& split) {
  CheckSplit(split);
  for (int64_t n = 0; n < shape.n; ++n) {
    for (int64_t c = 0; c < shape.c; ++c) {
      Welford total = WelfordEmpty();
      for (int64_t s0 = 0; s0 < shape.s; s0 += split.chunk) {
        const Welford part = ReduceChunk(
            s0, std::min(shape.s, s0 + split.chunk), split, WelfordEmpty(),
            [&](Welford& w, int64_t s) { WelfordPush(w, x[At(shape, n, s, c)]); }, WelfordCombine);
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
                        const NormActParams& params, const Decomposition& split) {
  CheckSplit(split);
  std::fill(dgamma, dgamma + shape.c, 0.f);
  std::fill(dbeta, dbeta + shape.c, 0.f);
  for (int64_t n = 0; n < shape.n; ++n) {
    for (int64_t c = 0; c < shape.c; ++c) {
      const float m = mean[n * shape.c + c], r = invstd[n * shape.c + c];
      const Affine a = MakeAffine(m, r, gamma[c], beta[c]);
      GradSums total = GradSumsEmpty();
      for (int64_t s0 = 0; s0 < shape.s; s0 += split.chunk) {
        const GradSums part = ReduceChunk(
            s0, std::min(shape.s, s0 + split.chunk), split, GradSumsEmpty(),
            [&](GradSums& g, int64_t s) {
              const int64_t i = At(shape, n, s, c);
              GradSumsPush(g, PreActivationGrad(dout[i], x[i], a, params.negative_slope), (x[i] - m) * r);
            },
            GradSumsCombine);
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

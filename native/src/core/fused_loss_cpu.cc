// CPU reference of the fused loss statistics (see fused_loss_cpu.h).
#include "core/fused_loss_cpu.h"

#include <stdexcept>
#include <string>
#include <vector>

namespace pipe_core::fused_loss {

namespace {

void CheckClasses(const LossShape& shape) {
  if (shape.k < 1 || shape.k > kMaxClasses)
    throw std::invalid_argument("fused loss: expected 1.." + std::to_string(kMaxClasses) + " classes, got " +
                                std::to_string(shape.k));
}

}  // namespace

void StatsForwardCpu(const float* logits, const int64_t* target, float* stats, float* ce_sum, const LossShape& shape) {
  CheckClasses(shape);
  const int k = static_cast<int>(shape.k);
  double ce = 0;
  for (int64_t n = 0; n < shape.n; ++n) {
    std::vector<double> tp(k, 0.0), psum(k, 0.0), ysum(k, 0.0);
    for (int64_t s = 0; s < shape.s; ++s) {
      float z[kMaxClasses] = {}, p[kMaxClasses] = {};
      for (int j = 0; j < k; ++j) z[j] = logits[n * shape.stride_n + j * shape.stride_k + s * shape.stride_s];
      const int64_t t = target[n * shape.s + s];
      const float lse = Softmax(z, k, p);
      ce += lse - z[t];
      for (int j = 0; j < k; ++j) psum[j] += p[j];
      tp[t] += p[t];
      ysum[t] += 1.0;
    }
    for (int j = 0; j < k; ++j) {
      float* out = stats + (n * shape.k + j) * 3;
      out[0] = static_cast<float>(tp[j]);
      out[1] = static_cast<float>(psum[j]);
      out[2] = static_cast<float>(ysum[j]);
    }
  }
  *ce_sum = static_cast<float>(ce);
}

void StatsBackwardCpu(const float* logits, const int64_t* target, const float* g_stats, const float* g_ce,
                      float* dlogits, const LossShape& shape) {
  CheckClasses(shape);
  const int k = static_cast<int>(shape.k);
  for (int64_t n = 0; n < shape.n; ++n) {
    float g_tp[kMaxClasses], g_psum[kMaxClasses];
    for (int j = 0; j < k; ++j) {
      g_tp[j] = g_stats[(n * shape.k + j) * 3];
      g_psum[j] = g_stats[(n * shape.k + j) * 3 + 1];
    }
    for (int64_t s = 0; s < shape.s; ++s) {
      float z[kMaxClasses] = {}, p[kMaxClasses] = {}, dz[kMaxClasses] = {};
      const int64_t base = n * shape.stride_n + s * shape.stride_s;
      for (int j = 0; j < k; ++j) z[j] = logits[base + j * shape.stride_k];
      Softmax(z, k, p);
      VoxelGrad(p, k, target[n * shape.s + s], g_tp, g_psum, *g_ce, dz);
      for (int j = 0; j < k; ++j) dlogits[base + j * shape.stride_k] = dz[j];
    }
  }
}

}  // namespace pipe_core::fused_loss

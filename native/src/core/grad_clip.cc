// Gradient-norm clipping without a host round trip (see grad_clip.h).
#include "core/grad_clip.h"

namespace pipe_core {

torch::Tensor ClipGradNorm(const std::vector<torch::Tensor>& params, double max_norm) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> norms;
  norms.reserve(params.size());
  for (const auto& p : params)
    if (p.grad().defined()) norms.push_back(p.grad().norm(2.0));
  if (norms.empty()) return torch::zeros({});
  const torch::Tensor total = norms.size() == 1 ? norms[0] : torch::stack(norms).norm(2.0);
  const torch::Tensor coef = torch::clamp(max_norm / (total + 1e-6), c10::nullopt, 1.0);
  for (const auto& p : params)
    if (p.grad().defined()) p.grad().mul_(coef);
  return total;
}

}  // namespace pipe_core

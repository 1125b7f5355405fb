// Multi-tensor SGD step (see sgd_step.h).
#include "core/sgd_step.h"

#include <memory>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "core/grad_clip.h"

namespace pipe_core {

namespace {

// The optimizer's state key for a parameter: LibTorch 1.13 keys by the TensorImpl address printed as a string,
// 2.x by the address itself.
template <typename Key>
Key StateKey(const torch::Tensor& p) {
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream s;
    s << p.unsafeGetTensorImpl();
    return s.str();
  } else {
    return p.unsafeGetTensorImpl();
  }
}

}  // namespace

void SgdStep(torch::optim::SGD& sgd) {
  torch::NoGradGuard no_grad;
  auto& state = sgd.state();
  using Key = typename std::remove_reference_t<decltype(state)>::key_type;
  for (auto& group : sgd.param_groups()) {
    const auto& o = static_cast<const torch::optim::SGDOptions&>(group.options());
    std::vector<torch::Tensor> owners, params, grads;  // owners: the parameters themselves (their state keys)
    for (auto& p : group.params())
      if (p.grad().defined()) {
        owners.push_back(p);
        params.push_back(p.data());
        grads.push_back(p.grad().data());
      }
    if (params.empty()) continue;
    std::vector<torch::Tensor> update =
        o.weight_decay() != 0 ? at::_foreach_add(grads, params, o.weight_decay()) : grads;
    if (o.momentum() != 0) {
      // Buffers seen before: buf = momentum * buf + (1 - dampening) * update. A first step starts buf as the update.
      std::vector<torch::Tensor> buffers(params.size()), old_buffers, old_updates;
      for (size_t i = 0; i < params.size(); ++i) {
        const Key key = StateKey<Key>(owners[i]);
        auto it = state.find(key);
        if (it == state.end()) {
          buffers[i] = torch::clone(update[i]).detach();
          auto s = std::make_unique<torch::optim::SGDParamState>();
          s->momentum_buffer(buffers[i]);
          state[key] = std::move(s);
        } else {
          buffers[i] = static_cast<torch::optim::SGDParamState&>(*it->second).momentum_buffer();
          old_buffers.push_back(buffers[i]);
          old_updates.push_back(update[i]);
        }
      }
      if (!old_buffers.empty()) {
        at::_foreach_mul_(old_buffers, o.momentum());
        at::_foreach_add_(old_buffers, old_updates, 1 - o.dampening());
      }
      update = o.nesterov() ? at::_foreach_add(update, buffers, o.momentum()) : buffers;
    }
    at::_foreach_add_(params, update, -1 * o.lr());
  }
}

torch::Tensor MomentumBuffer(torch::optim::SGD& sgd, const torch::Tensor& param) {
  auto& state = sgd.state();
  using Key = typename std::remove_reference_t<decltype(state)>::key_type;
  const auto it = state.find(StateKey<Key>(param));
  if (it == state.end()) return {};
  return static_cast<torch::optim::SGDParamState&>(*it->second).momentum_buffer();
}

void SetMomentumBuffer(torch::optim::SGD& sgd, const torch::Tensor& param, const torch::Tensor& buffer) {
  auto& state = sgd.state();
  using Key = typename std::remove_reference_t<decltype(state)>::key_type;
  auto s = std::make_unique<torch::optim::SGDParamState>();
  s->momentum_buffer(buffer);
  state[StateKey<Key>(param)] = std::move(s);
}

void ClipAndStep(const std::vector<torch::Tensor>& params, double max_norm, LossScaler& scaler,
                 torch::optim::SGD& sgd) {
  const torch::Tensor norm = ClipGradNorm(params, max_norm);
  if (!scaler.enabled() || scaler.Update(norm.item<double>())) SgdStep(sgd);
}

}  // namespace pipe_core

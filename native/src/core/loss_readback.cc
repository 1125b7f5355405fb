// Deferred loss reads (see loss_readback.h).
#include "core/loss_readback.h"

#include <c10/core/impl/DeviceGuardImplInterface.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

namespace pipe_core {

void LossReadback::Push(const torch::Tensor& values, const ReadLosses& place) {
  Pending p;
  p.place = place;
  const torch::Tensor v = values.detach().to(torch::kDouble);
  if (v.is_cuda()) {
    p.host = torch::empty({v.numel()}, torch::TensorOptions().dtype(torch::kDouble).pinned_memory(true));
    p.host.copy_(v.reshape({-1}), /*non_blocking=*/true);
    p.copied = std::make_unique<c10::Event>(v.device().type());
    p.copied->record(c10::impl::getDeviceGuardImpl(v.device().type())->getStream(v.device()));
  } else {
    p.host = v.reshape({-1}).contiguous();
  }
  pending_.push_back(std::move(p));
}

ReadLosses LossReadback::Pop() {
  Pending p = std::move(pending_.front());
  pending_.pop_front();
  if (p.copied)  // c10::Event has no blocking wait common to LibTorch 1.13 and 2.x: poll (the step is nearly done)
    while (!p.copied->query()) std::this_thread::sleep_for(std::chrono::microseconds(50));
  const double* v = p.host.data_ptr<double>();
  ReadLosses r = p.place;
  r.total = v[0];
  r.heads.assign(v + 1, v + p.host.numel());
  return r;
}

int64_t ReadbackLag(const torch::Device& device, bool distributed, bool loss_scaler) {
  if (const char* env = std::getenv("PIPE_LOSS_READBACK_LAG")) {
    const std::string s(env);
    if (s == "0" || s == "1") return s == "1" ? 1 : 0;
  }
  return device.is_cuda() && !distributed && !loss_scaler ? 1 : 0;
}

}  // namespace pipe_core

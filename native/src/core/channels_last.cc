#include "core/channels_last.h"

#include "core/fused_norm_act.h"

namespace pipe_core {

bool UseChannelsLast(const std::string& setting, const torch::Device& device) {
  if (!device.is_cuda()) return false;
  if (setting == "auto") return FusedNormActCompiled() && FusedNormActEnabled();
  return setting == "on";
}

void ToChannelsLast(torch::nn::Module& net) {
  torch::NoGradGuard no_grad;
  for (auto& p : net.parameters())
    if (p.dim() == 5) p.set_data(p.data().contiguous(at::MemoryFormat::ChannelsLast3d));
}

}  // namespace pipe_core

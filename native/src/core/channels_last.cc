#include "core/channels_last.h"

namespace pipe_core {

bool UseChannelsLast(const std::string& setting, const torch::Device& device) {
  return device.is_cuda() && (setting == "on" || setting == "auto");
}

void ToChannelsLast(torch::nn::Module& net) {
  torch::NoGradGuard no_grad;
  for (auto& p : net.parameters())
    if (p.dim() == 5) p.set_data(p.data().contiguous(at::MemoryFormat::ChannelsLast3d));
}

}  // namespace pipe_core

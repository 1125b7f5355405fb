// Channels-last training on CUDA: the network's 5-D weights and the input batches in
// ChannelsLast3d (NDHWC), so cuDNN picks its NHWC kernels and inserts no nchw<->nhwc transposes. Only ever on CUDA:
// the CPU path keeps the default layout and stays bit for bit what it was.
#pragma once

#include <torch/torch.h>

#include <string>

namespace pipe_core {

// Whether a run with TrainOptions::channels_last = setting (off | on | auto) uses channels-last on `device`: never on
// the CPU; `on` always on CUDA; `auto` on CUDA where the fused InstanceNorm+LeakyReLU kernels run (fused_norm_act.h),
// which read and write NDHWC directly. Without them LibTorch's instance norm is slower on NDHWC than the transposes
// it saves (bf16 eager step on an H200: 399 ms channels-last vs 282 ms), so `auto` stays off there.
bool UseChannelsLast(const std::string& setting, const torch::Device& device);

// Re-lays every 5-D parameter of `net` out as ChannelsLast3d in place (same values, same tensors: optimizers and
// checkpoints that hold them see the new layout).
void ToChannelsLast(torch::nn::Module& net);

}  // namespace pipe_core

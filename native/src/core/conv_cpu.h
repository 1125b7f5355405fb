// Conv3d (stride 1, "same" padding) with a faster CPU backward for LibTorch builds like Debian's 1.13 (MKL-DNN 2.6,
// generic BLAS), where the weight gradient of a 3D convolution costs 3-4x its forward. Here the weight gradient is
// itself computed as a forward convolution: grad_w[o,i,k] = sum_{n,p} g[n,o,p] x_pad[n,i,p+k], i.e. conv3d with the
// batch and channel axes of x_pad and g swapped -- 1.7-3x faster on CPU (bench/train_step). The input gradient is a
// forward convolution too (g with the flipped, channel-swapped kernel), the bias gradient a sum. All three run on
// oneDNN whatever the batch: LibTorch sends a batch of 1 to im2col, 2x slower per sample. CUDA and strided convs use
// LibTorch's path.
#pragma once

#include <torch/torch.h>

#include "core/network_plan.h"

namespace pipe_core {

// x (N, Ci, Z, Y, X), weight (Co, Ci, kz, ky, kx), bias (Co) or undefined; padding (k-1)/2 per axis.
torch::Tensor Conv3dSameCpu(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                            const Axes3& padding);

// Whether Conv3dSameCpu applies (CPU tensors, float32, autograd needed).
bool UseConv3dSameCpu(const torch::Tensor& x);

}  // namespace pipe_core

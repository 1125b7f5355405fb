// One SGD step (momentum, Nesterov, weight decay) over all parameter tensors at once, with ATen's multi-tensor
// (_foreach) ops: on CUDA a handful of kernels instead of five per tensor (about 190 tensors in the Task03 UNet++),
// which is what torch.optim.SGD's default foreach path does in Python. Same arithmetic in the same order as
// torch::optim::SGD::step, and the momentum buffers stay in the optimizer's own state, so its save/load (checkpoints)
// and a later SGD::step see exactly what SGD::step would have left.
#pragma once

#include <torch/torch.h>

namespace pipe_core {

void SgdStep(torch::optim::SGD& sgd);

}  // namespace pipe_core

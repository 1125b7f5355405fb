#include "core/runtime_info.h"

#include <torch/torch.h>

#include "core/device.h"
#include "core/distributed.h"

namespace pipe_core {

RuntimeInfo GetRuntimeInfo() {
  RuntimeInfo info;
  info.torch_version = PIPE_TORCH_VERSION;
  info.built_with_cuda = PIPE_TORCH_CUDA != 0;
  info.cuda_available = torch::cuda::is_available();
  info.cuda_device_count = info.cuda_available ? static_cast<int>(torch::cuda::device_count()) : 0;
  info.intra_op_threads = at::get_num_threads();
  info.blas_threads = BlasThreads();
  info.c10d_gloo = DistributedGlooAvailable();
  info.c10d_nccl = DistributedNcclAvailable();
  return info;
}

}  // namespace pipe_core

// What the native runtime was built against and what it sees at run time.
#pragma once

#include <string>

namespace pipe_core {

struct RuntimeInfo {
  std::string torch_version;  // LibTorch version the build linked
  bool built_with_cuda = false;
  bool cuda_available = false;
  int cuda_device_count = 0;
  int intra_op_threads = 0;
  int blas_threads = -1;   // the BLAS's own thread pool (OpenBLAS, BLIS); -1: none reported
  bool c10d_gloo = false;  // this build has c10d's Gloo process group (CPU multi-rank training); pip wheels: no
  bool c10d_nccl = false;  // this build has c10d's NCCL process group (CUDA multi-rank training)
};

RuntimeInfo GetRuntimeInfo();

}  // namespace pipe_core

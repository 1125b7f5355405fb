// Node-free check that the core library links and reports its LibTorch.
#include <cstdio>

#include "core/runtime_info.h"

int main() {
  const pipe_core::RuntimeInfo info = pipe_core::GetRuntimeInfo();
  std::printf("torch %s cuda-built=%d cuda-available=%d threads=%d\n", info.torch_version.c_str(),
              info.built_with_cuda, info.cuda_available, info.intra_op_threads);
  if (info.torch_version.empty()) return 1;
  std::printf("1 passed, 0 failed\n");
  return 0;
}

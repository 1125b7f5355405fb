// Node-free check that the core library links and reports its LibTorch, and that SetThreads sizes the BLAS's own
// thread pool too (Debian's LibTorch runs GEMMs on OpenBLAS, whose pool ignores at::set_num_threads).
#include "core/runtime_info.h"

#include <dlfcn.h>

#include <cstdio>

#include "core/device.h"

int main() {
  int failed = 0, passed = 0;
  auto check = [&](bool ok, const char* what) {
    std::printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    (ok ? passed : failed)++;
  };
  const pipe_core::RuntimeInfo info = pipe_core::GetRuntimeInfo();
  std::printf("torch %s cuda-built=%d cuda-available=%d threads=%d blas-threads=%d\n", info.torch_version.c_str(),
              info.built_with_cuda, info.cuda_available, info.intra_op_threads, info.blas_threads);
  check(!info.torch_version.empty(), "torch version reported");
  std::printf("c10d gloo=%d nccl=%d\n", info.c10d_gloo, info.c10d_nccl);
  check(info.built_with_cuda || !info.c10d_nccl, "no NCCL process group without CUDA");

  const bool openblas = dlopen("libopenblas.so.0", RTLD_LAZY | RTLD_NOLOAD) != nullptr;
  for (int threads : {1, 2, 1}) {
    check(pipe_core::SetThreads(threads) == threads, "intra-op threads set");
    const int blas = pipe_core::BlasThreads();
    std::printf("     SetThreads(%d): blas threads %d (openblas loaded: %d)\n", threads, blas, openblas);
    check(openblas ? blas == threads : (blas == threads || blas == -1), "BLAS pool sized with the intra-op threads");
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}

// What the autograd wrappers of the CUDA kernels (fused_norm_act.cc, fused_loss.cc) share: PIPE_FUSED_NORM_CUDA (1
// where CMake compiled the kernels and set it on these files, else 0), the checks of the CPU-reference and
// no-kernels cases and, where it is 1, a tensor's element type as the kernels name it, the check of a launch's error
// and LaunchOn (LibTorch's CUDA guard and stream around a launch).
#pragma once

#include <torch/torch.h>

#include <stdexcept>
#include <string>

#ifndef PIPE_FUSED_NORM_CUDA
#define PIPE_FUSED_NORM_CUDA 0
#endif

namespace pipe_core {

// The CPU references of the kernels' math take fp32 only; `who` names the caller (e.g. "fused norm").
inline void CheckReferenceDtype(const torch::Tensor& t, const char* who) {
  if (t.scalar_type() != torch::kFloat32)
    throw std::invalid_argument(std::string(who) + ": the CPU reference takes fp32 only, not " +
                                c10::toString(t.scalar_type()));
}

[[noreturn]] inline void ThrowNoKernels(const char* who) {
  throw std::logic_error(std::string(who) + ": this build has no CUDA kernels (CMake found no CUDA compiler)");
}

}  // namespace pipe_core

#if PIPE_FUSED_NORM_CUDA
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime_api.h>

#include "core/element_type.h"

namespace pipe_core {

// fp32, fp16 or bf16; anything else is refused naming `who` (e.g. "fused norm").
inline ElementType ElementTypeOf(const torch::Tensor& t, const char* who) {
  switch (t.scalar_type()) {
    case torch::kFloat32:
      return ElementType::kFloat32;
    case torch::kFloat16:
      return ElementType::kFloat16;
    case torch::kBFloat16:
      return ElementType::kBFloat16;
    default:
      throw std::invalid_argument(std::string(who) + ": unsupported dtype " + c10::toString(t.scalar_type()));
  }
}

// Throws "<who> <what>: <CUDA's message>" when a launch failed.
inline void CheckLaunch(cudaError_t e, const char* who, const char* what) {
  if (e != cudaSuccess) throw std::runtime_error(std::string(who) + " " + what + ": " + cudaGetErrorString(e));
}

// Runs launch(type, stream) -> cudaError_t on t's device: under its guard, on its current stream, with t's element
// type; then CheckLaunch. What every kernel call of the autograd wrappers shares.
template <typename Launch>
void LaunchOn(const torch::Tensor& t, const char* who, const char* what, Launch launch) {
  const c10::cuda::CUDAGuard guard(t.device());
  CheckLaunch(launch(ElementTypeOf(t, who), c10::cuda::getCurrentCUDAStream().stream()), who, what);
}

}  // namespace pipe_core
#endif

// The only place that papers over LibTorch API differences between 1.13 (Debian) and 2.x (PyTorch wheels).
// Everything else in core/ uses the API common to both. Add a shim here rather than #if-ing call sites.
#pragma once

#include <ATen/autocast_mode.h>
#include <torch/version.h>

namespace pipe_core::compat {

// True when building against LibTorch >= major.minor.
#define PIPE_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) || (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

// Turns CUDA autocast on or off for the calling thread (autocast state is thread-local) with `dtype`.
inline void SetCudaAutocast(bool enabled, at::ScalarType dtype) {
#if PIPE_TORCH_AT_LEAST(2, 4)
  at::autocast::set_autocast_dtype(at::kCUDA, dtype);
  at::autocast::set_autocast_enabled(at::kCUDA, enabled);
#else
  at::autocast::set_autocast_gpu_dtype(dtype);
  at::autocast::set_enabled(enabled);
#endif
  if (!enabled) at::autocast::clear_cache();
}

inline bool CudaAutocastEnabled() {
#if PIPE_TORCH_AT_LEAST(2, 4)
  return at::autocast::is_autocast_enabled(at::kCUDA);
#else
  return at::autocast::is_enabled();
#endif
}

}  // namespace pipe_core::compat

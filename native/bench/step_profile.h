// Helpers of train_step_bench for gpu-check: the CUDA caching allocator's peak, and a per-kernel
// trace of a few training steps through LibTorch's Kineto profiler (the same C++ API in LibTorch 1.13 and 2.x), saved
// as a Chrome trace that bench/train_step/kernel_table.py turns into the top-kernels table. Where LibTorch was built
// without Kineto (Debian's 1.13) the legacy autograd profiler writes the trace instead: operators, no kernels.
#pragma once

#include <torch/csrc/autograd/profiler_kineto.h>
#include <torch/csrc/autograd/profiler_legacy.h>
#include <torch/torch.h>

#include <cstdio>
#include <functional>
#include <set>
#include <string>

#include "core/device.h"

#if PIPE_TORCH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif

namespace pipe_bench {

// Peak bytes held by tensors on the CUDA device since the last ResetPeakMemory (-1 where not CUDA).
inline double PeakMemoryGiB(const torch::Device& device) {
#if PIPE_TORCH_CUDA
  if (device.is_cuda()) {
    const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device.index() < 0 ? 0 : device.index());
    return static_cast<double>(stats.allocated_bytes[0].peak) / (1024.0 * 1024.0 * 1024.0);  // [0]: AGGREGATE
  }
#endif
  return -1.0;
}

inline void ResetPeakMemory(const torch::Device& device) {
#if PIPE_TORCH_CUDA
  if (device.is_cuda()) c10::cuda::CUDACachingAllocator::resetPeakStats(device.index() < 0 ? 0 : device.index());
#endif
}

// Runs `steps` calls of `step` under the profiler and writes a Chrome trace to `path`. Returns the profiler used
// ("kineto" or "legacy"); throws only when neither could write the trace.
inline std::string ProfileSteps(const std::string& path, int64_t steps, const torch::Device& device,
                                const std::function<void()>& step) {
  namespace prof = torch::autograd::profiler;
  namespace impl = torch::profiler::impl;
  std::set<impl::ActivityType> activities{impl::ActivityType::CPU};
  if (device.is_cuda()) activities.insert(impl::ActivityType::CUDA);
  try {
    const impl::ProfilerConfig config(impl::ProfilerState::KINETO);
    prof::prepareProfiler(config, activities);
    prof::enableProfiler(config, activities);
    for (int64_t i = 0; i < steps; ++i) step();
    pipe_core::Synchronize(device);
    auto result = prof::disableProfiler();
    result->save(path);
    return "kineto";
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kineto profiler unavailable (%s); using the legacy autograd profiler\n",
                 std::string(e.what()).substr(0, 200).c_str());
  }
  {
    prof::RecordProfile guard(path);
    for (int64_t i = 0; i < steps; ++i) step();
    pipe_core::Synchronize(device);
  }
  return "legacy";
}

}  // namespace pipe_bench

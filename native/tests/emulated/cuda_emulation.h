// A host emulation of the small part of CUDA that the kernels in src/core/*.cu use, so that the CPU test suite runs
// those very sources (tests/fused_kernels_emulated_test.cc includes them) and compares them with the CPU references:
// grid and block indexing, tiling, shared-memory reductions, the combine kernels' order and the workspace layout are
// checked on every machine, not only on the rare one with a GPU. What it cannot check is the GPU itself: timing,
// coalescing, the device's float rounding (nvcc contracts to FMA), occupancy.
//
// Model: a launch runs its blocks one after another; each block's threads are real std::threads (one per CUDA
// thread, reused from block to block), so __syncthreads() is a real barrier and a missing one is a real race (the
// ThreadSanitizer build of the test finds it). __shared__ becomes a function-local static: one copy per kernel,
// which is one copy per block because blocks never overlap. The CUDA rules that make a kernel wrong rather than
// slow abort the test with a message: a __syncthreads() that some threads of the block have returned before (or
// return while others wait in it), block or grid sizes over the device limits (reported as the launch error).
// Device pointers are host pointers here; the stand-in headers next to this file (cuda_runtime_api.h, cuda_fp16.h,
// cuda_bf16.h) route the kernels' includes to it. fp16 and bf16 are c10::Half and c10::BFloat16 (round to nearest
// even, as __float2half_rn and __float2bfloat16_rn).
#pragma once

#include <c10/util/BFloat16.h>
#include <c10/util/Half.h>
#include <linux/futex.h>
#include <math.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <thread>
#include <tuple>
#include <vector>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __shared__ static

struct uint3 {
  unsigned x, y, z;
};

struct dim3 {
  unsigned x, y, z;
  constexpr dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};

// The built-in variables: per emulated thread.
inline thread_local uint3 threadIdx{0, 0, 0};
inline thread_local uint3 blockIdx{0, 0, 0};
inline thread_local dim3 blockDim;
inline thread_local dim3 gridDim;

template <typename T>
inline T min(T a, T b) {
  return b < a ? b : a;
}
template <typename T>
inline T max(T a, T b) {
  return a < b ? b : a;
}

using __half = c10::Half;
using __nv_bfloat16 = c10::BFloat16;
inline float __half2float(__half h) { return static_cast<float>(h); }
inline __half __float2half_rn(float f) { return __half(f); }
inline float __bfloat162float(__nv_bfloat16 h) { return static_cast<float>(h); }
inline __nv_bfloat16 __float2bfloat16_rn(float f) { return __nv_bfloat16(f); }

enum cudaError_t { cudaSuccess = 0, cudaErrorInvalidValue = 1, cudaErrorInvalidConfiguration = 9 };
using cudaStream_t = struct PipeEmulatedStream*;

namespace pipe_emu {

inline cudaError_t& LastError() {
  static cudaError_t error = cudaSuccess;
  return error;
}

[[noreturn]] inline void Fail(const char* what) {
  std::fprintf(stderr, "emulated CUDA: %s in block (%u, %u, %u), thread (%u, %u, %u)\n", what, blockIdx.x, blockIdx.y,
               blockIdx.z, threadIdx.x, threadIdx.y, threadIdx.z);
  std::abort();
}

// Sleeps while *word == expected, until WakeAll(word) (Linux futex: the waiters wake without a mutex hand-off, which
// matters with 256 threads per barrier on 2 cores).
inline void WaitWhile(std::atomic<uint32_t>& word, uint32_t expected) {
  while (word.load(std::memory_order_acquire) == expected)
    syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAIT_PRIVATE, expected, nullptr, nullptr, 0);
}

inline void WakeAll(std::atomic<uint32_t>& word) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAKE_PRIVATE, INT32_MAX, nullptr, nullptr, 0);
}

// The threads of the block being run: __syncthreads() and the end of the block. The counts change under a mutex
// (so that a divergent barrier is always seen); the waiting is on generation words.
class Block {
 public:
  explicit Block(int threads) : threads_(threads), running_(threads) {}

  void Sync() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (running_ != threads_) Fail("__syncthreads() after a thread of the block returned");
    const bool last = ++arrived_ == threads_;
    if (last) arrived_ = 0;
    Pass(lock, last, sync_generation_);
  }

  // This thread returned from the kernel: wait until every thread of the block has.
  void Finish() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (arrived_ > 0) Fail("a thread returned while others wait in __syncthreads()");
    const bool last = --running_ == 0;
    if (last) running_ = threads_;
    Pass(lock, last, end_generation_);
  }

 private:
  std::mutex mutex_;
  const int threads_;
  int running_;
  int arrived_ = 0;
  std::atomic<uint32_t> sync_generation_{0}, end_generation_{0};

  // Called holding `lock`: the last thread to arrive starts the next generation and wakes the others; they sleep
  // until it does.
  static void Pass(std::unique_lock<std::mutex>& lock, bool last, std::atomic<uint32_t>& generation) {
    const uint32_t current = generation.load(std::memory_order_relaxed);
    if (last) generation.store(current + 1, std::memory_order_release);
    lock.unlock();
    if (last) {
      WakeAll(generation);
    } else {
      WaitWhile(generation, current);
    }
  }
};

inline thread_local Block* current_block = nullptr;

// The device's limits (every architecture since sm_30).
inline bool ValidConfiguration(dim3 grid, dim3 block) {
  const uint64_t threads = uint64_t{block.x} * block.y * block.z;
  return grid.x >= 1 && grid.y >= 1 && grid.z >= 1 && grid.x <= 2147483647u && grid.y <= 65535 && grid.z <= 65535 &&
         block.x >= 1 && block.y >= 1 && block.z >= 1 && block.x <= 1024 && block.y <= 1024 && block.z <= 64 &&
         threads <= 1024;
}

// The OS threads that play the CUDA threads, kept from launch to launch (starting 256 threads costs ~30 ms here):
// a launch of B threads per block runs work(t) on the first B of them and returns when all have. One pool per
// process: a forked child (tests of what aborts) starts its own.
class Pool {
 public:
  static Pool& OfThisProcess() {
    static pid_t owner = 0;
    static Pool* pool = nullptr;
    if (owner != getpid()) {  // the parent's threads do not exist here: leave its pool be, start one
      owner = getpid();
      pool = new Pool();  // never destroyed: its threads sleep until the process exits
    }
    return *pool;
  }

  void Run(int threads, const std::function<void(int)>& work) {
    while (static_cast<int>(workers_.size()) < threads) {
      const int index = static_cast<int>(workers_.size());
      workers_.emplace_back([this, index] { Serve(index); });
      workers_.back().detach();
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      work_ = &work;
      active_ = threads;
      remaining_ = threads;
    }
    const uint32_t done = done_generation_.load(std::memory_order_relaxed);
    launch_generation_.fetch_add(1, std::memory_order_release);
    WakeAll(launch_generation_);
    WaitWhile(done_generation_, done);
  }

 private:
  void Serve(int index) {
    uint32_t seen = 0;
    for (;;) {
      WaitWhile(launch_generation_, seen);
      seen = launch_generation_.load(std::memory_order_acquire);
      const std::function<void(int)>* work = nullptr;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (index < active_) work = work_;
      }
      if (work == nullptr) continue;
      (*work)(index);
      std::unique_lock<std::mutex> lock(mutex_);
      if (--remaining_ == 0) {
        done_generation_.fetch_add(1, std::memory_order_release);
        lock.unlock();
        WakeAll(done_generation_);
      }
    }
  }

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  const std::function<void(int)>* work_ = nullptr;
  int active_ = 0, remaining_ = 0;
  std::atomic<uint32_t> launch_generation_{0}, done_generation_{0};
};

// Runs body() once per CUDA thread of every block, blocks in order (x fastest).
template <typename Body>
void Run(dim3 grid, dim3 block, const Body& body) {
  if (!ValidConfiguration(grid, block)) {
    LastError() = cudaErrorInvalidConfiguration;
    return;
  }
  const int threads = static_cast<int>(block.x * block.y * block.z);
  Block shared(threads);
  Pool::OfThisProcess().Run(threads, [&](int t) {
    const auto u = static_cast<unsigned>(t);
    threadIdx = uint3{u % block.x, u / block.x % block.y, u / (block.x * block.y)};
    blockDim = block;
    gridDim = grid;
    current_block = &shared;
    for (unsigned z = 0; z < grid.z; ++z)
      for (unsigned y = 0; y < grid.y; ++y)
        for (unsigned x = 0; x < grid.x; ++x) {
          blockIdx = uint3{x, y, z};
          body();
          shared.Finish();
        }
    current_block = nullptr;
  });
}

// PIPE_LAUNCH's emulation: the arguments are converted to the kernel's parameter types once, as a launch copies
// them, and every thread calls the kernel with them.
template <typename... Params, typename... Args>
void Launch(void (*kernel)(Params...), dim3 grid, dim3 block, cudaStream_t, Args&&... args) {
  const std::tuple<Params...> params(std::forward<Args>(args)...);
  Run(grid, block, [&] { std::apply(kernel, params); });
}

}  // namespace pipe_emu

inline void __syncthreads() {
  if (pipe_emu::current_block == nullptr) pipe_emu::Fail("__syncthreads() outside a kernel");
  pipe_emu::current_block->Sync();
}

inline cudaError_t cudaGetLastError() {
  const cudaError_t e = pipe_emu::LastError();
  pipe_emu::LastError() = cudaSuccess;
  return e;
}

inline const char* cudaGetErrorString(cudaError_t e) {
  switch (e) {
    case cudaSuccess:
      return "no error";
    case cudaErrorInvalidValue:
      return "invalid argument";
    case cudaErrorInvalidConfiguration:
      return "invalid configuration argument";
  }
  return "unknown error";
}

inline cudaError_t cudaMemsetAsync(void* p, int value, size_t bytes, cudaStream_t) {
  std::memset(p, value, bytes);
  return cudaSuccess;
}

#define PIPE_LAUNCH(kernel, grid, block, stream, ...) ::pipe_emu::Launch(kernel, grid, block, stream, __VA_ARGS__)

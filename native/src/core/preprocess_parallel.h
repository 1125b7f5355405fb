// A tiny work-sharing loop on std::thread for the preprocessing kernels: units [0, n) are handed
// out through an atomic counter, so uneven units (lines of different cost) balance themselves.
// The first exception thrown by any unit is rethrown on the calling thread.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace pipe_core {

template <typename Fn>
void ParallelFor(int64_t n, int threads, Fn&& fn) {
  if (n <= 0) return;
  const int t = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads < 1 ? 1 : threads, n)));
  if (t == 1) {
    for (int64_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<int64_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto body = [&]() {
    try {
      for (int64_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) fn(i);
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
      next.store(n);
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(t - 1);
  for (int i = 1; i < t; ++i) pool.emplace_back(body);
  body();
  for (auto& th : pool) th.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace pipe_core

// A pool of std::threads that run a PatchLoader ahead of the consumer and hand batches over in
// iteration order through a bounded queue. Batches are identical whatever the thread count.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/loader.h"

namespace pipe_core {

struct LoadedBatch {
  int64_t iteration = 0;
  std::vector<float> image;   // (batch, C, P0, P1, P2)
  std::vector<int8_t> label;  // (batch, 1, P0, P1, P2)
  std::vector<SampleRecord> samples;
};

struct PrefetchOptions {
  int threads = 2;              // worker threads
  int depth = 4;                // batches made ahead of the consumer (ready or in progress), >= 1
  int64_t first_iteration = 0;  // e.g. epoch * iterations_per_epoch when resuming
};

// Fills `batch` (whose buffers may hold an earlier batch) for `iteration`; may throw.
using BatchMaker = std::function<void(int64_t iteration, LoadedBatch& batch)>;

// Makes batches with `loader` (shared, so it lives as long as the workers).
BatchMaker PatchLoaderBatches(std::shared_ptr<const PatchLoader> loader);

class PrefetchLoader {
 public:
  // Starts the workers at once.
  PrefetchLoader(std::shared_ptr<const PatchLoader> loader, PrefetchOptions options);
  PrefetchLoader(BatchMaker make, PrefetchOptions options);
  ~PrefetchLoader();  // Stop() and join
  PrefetchLoader(const PrefetchLoader&) = delete;
  PrefetchLoader& operator=(const PrefetchLoader&) = delete;

  // Blocks until the next iteration's batch is ready and returns it. If making that iteration
  // failed, stops the pool and rethrows the worker's exception here (earlier batches are still
  // delivered first); after Stop() throws std::runtime_error.
  std::unique_ptr<LoadedBatch> Next();
  // Optionally hands a used batch back so its buffers are reused instead of reallocated.
  void Recycle(std::unique_ptr<LoadedBatch> batch);
  // Stops the workers (the batch they are making is finished first) and joins them. Idempotent.
  void Stop();

  int64_t next_iteration() const;
  // Seconds Next() has waited for a batch that was not ready yet, in all: the consumer's time lost to the loader.
  double waited_seconds() const;

 private:
  void Work();

  BatchMaker make_;
  PrefetchOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable work_cv_;   // workers wait for room
  std::condition_variable ready_cv_;  // the consumer waits for its batch
  int64_t next_claim_ = 0;            // next iteration a worker will take
  int64_t next_deliver_ = 0;          // next iteration the consumer gets
  std::map<int64_t, std::unique_ptr<LoadedBatch>> ready_;
  std::vector<std::unique_ptr<LoadedBatch>> free_;
  std::exception_ptr error_;  // the failure of the earliest failed iteration
  int64_t error_iteration_ = 0;
  bool stopping_ = false;
  double waited_seconds_ = 0;
  std::vector<std::thread> workers_;
};

}  // namespace pipe_core

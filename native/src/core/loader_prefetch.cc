#include "core/loader_prefetch.h"

#include <chrono>
#include <stdexcept>
#include <string>

namespace pipe_core {

BatchMaker PatchLoaderBatches(std::shared_ptr<const PatchLoader> loader) {
  if (!loader) throw std::invalid_argument("Expected a PatchLoader for PrefetchLoader but received null");
  return [loader](int64_t iteration, LoadedBatch& batch) {
    batch.image.resize(loader->image_floats_per_batch());
    batch.label.resize(loader->label_bytes_per_batch());
    batch.samples.resize(static_cast<size_t>(loader->params().batch_size));
    loader->SampleBatch(iteration, batch.image.data(), batch.label.data(), batch.samples.data());
  };
}

PrefetchLoader::PrefetchLoader(std::shared_ptr<const PatchLoader> loader, PrefetchOptions options)
    : PrefetchLoader(PatchLoaderBatches(std::move(loader)), options) {}

PrefetchLoader::PrefetchLoader(BatchMaker make, PrefetchOptions options) : make_(std::move(make)), options_(options) {
  if (!make_) throw std::invalid_argument("Expected a batch maker for PrefetchLoader but received none");
  if (options_.threads < 1)
    throw std::invalid_argument("Expected threads >= 1 for PrefetchOptions.threads but received " +
                                std::to_string(options_.threads));
  if (options_.depth < 1)
    throw std::invalid_argument("Expected depth >= 1 for PrefetchOptions.depth but received " +
                                std::to_string(options_.depth));
  next_claim_ = next_deliver_ = options_.first_iteration;
  workers_.reserve(static_cast<size_t>(options_.threads));
  try {
    for (int i = 0; i < options_.threads; ++i) workers_.emplace_back([this] { Work(); });
  } catch (...) {
    Stop();  // join the threads that did start before failing
    throw;
  }
}

PrefetchLoader::~PrefetchLoader() { Stop(); }

void PrefetchLoader::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  ready_cv_.notify_all();
  for (std::thread& t : workers_)
    if (t.joinable()) t.join();
}

int64_t PrefetchLoader::next_iteration() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return next_deliver_;
}

void PrefetchLoader::Work() {
  for (;;) {
    int64_t iteration;
    std::unique_ptr<LoadedBatch> batch;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      // After a failure only the iterations before it are still made.
      const auto room = [this] {
        return next_claim_ < next_deliver_ + options_.depth && (!error_ || next_claim_ < error_iteration_);
      };
      work_cv_.wait(lock, [&] { return stopping_ || room() || (error_ && next_claim_ >= error_iteration_); });
      if (stopping_ || !room()) return;
      iteration = next_claim_++;
      if (!free_.empty()) {
        batch = std::move(free_.back());
        free_.pop_back();
      }
    }
    try {
      if (!batch) batch = std::make_unique<LoadedBatch>();
      batch->iteration = iteration;
      make_(iteration, *batch);
    } catch (...) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!error_ || iteration < error_iteration_) {
          error_ = std::current_exception();
          error_iteration_ = iteration;
        }
      }
      work_cv_.notify_all();
      ready_cv_.notify_all();
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ready_[iteration] = std::move(batch);
    }
    ready_cv_.notify_all();
  }
}

std::unique_ptr<LoadedBatch> PrefetchLoader::Next() {
  std::unique_ptr<LoadedBatch> out;
  std::exception_ptr error;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    const auto failed = [this] { return error_ && next_deliver_ == error_iteration_; };
    const auto ready = [&] { return stopping_ || failed() || ready_.count(next_deliver_) > 0; };
    if (!ready()) {  // the consumer outran the workers: count the time it stands still
      const auto since = std::chrono::steady_clock::now();
      ready_cv_.wait(lock, ready);
      waited_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
    }
    if (failed()) {
      error = error_;
    } else if (stopping_) {
      throw std::runtime_error("Internal error: PrefetchLoader::Next called after Stop");
    } else {
      auto it = ready_.find(next_deliver_);
      out = std::move(it->second);
      ready_.erase(it);
      ++next_deliver_;
    }
  }
  if (error) {
    Stop();
    std::rethrow_exception(error);
  }
  work_cv_.notify_all();
  return out;
}

double PrefetchLoader::waited_seconds() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return waited_seconds_;
}

void PrefetchLoader::Recycle(std::unique_ptr<LoadedBatch> batch) {
  if (!batch) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (free_.size() < static_cast<size_t>(options_.depth)) free_.push_back(std::move(batch));
}

}  // namespace pipe_core

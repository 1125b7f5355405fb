// Multi-device training on c10d (recipe 11): TCPStore rendezvous (rank 0 serves the store), a Gloo (CPU) or NCCL
// (CUDA) process group, and the few collectives the trainer needs: broadcast of the initial weights from rank 0,
// bucketed gradient averaging, sums of scalar metrics, barrier. Plain C++: no N-API here.
//
//   DistributedOptions d{rank, world, "10.0.0.1", port, 300, "auto"};
//   DistributedContext ctx(d, device);     // blocks until every rank has joined (or throws after timeout_s)
//   ctx.BroadcastFromRank0(net->parameters());
//   ... loss.backward(); ctx.AverageGradients(params); clip; step ...
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

namespace pipe_core {

struct DistributedOptions {
  int rank = 0;
  int world_size = 1;
  std::string master_addr = "127.0.0.1";  // host of rank 0's TCPStore (every rank gets the same address)
  int master_port = 0;                    // the store's port; pipe picks a free one (never a fixed 1234)
  double timeout_s = 300;                 // rendezvous and per-collective timeout
  std::string backend = "auto";           // auto (nccl on cuda when built with it, else gloo) | gloo | nccl
};

// Validates the fields; throws std::invalid_argument naming the field.
void ValidateDistributedOptions(const DistributedOptions& options);

// Whether this build has the Gloo / NCCL process groups.
bool DistributedGlooAvailable();
bool DistributedNcclAvailable();

class DistributedContext {
 public:
  // Rendezvous: rank 0 listens on master_port, the others connect; all wait for world_size ranks.
  // `device` is where the model lives: NCCL needs CUDA; Gloo works on CPU buffers (CUDA grads are staged).
  DistributedContext(const DistributedOptions& options, const torch::Device& device);
  ~DistributedContext();
  DistributedContext(const DistributedContext&) = delete;
  DistributedContext& operator=(const DistributedContext&) = delete;

  int rank() const { return options_.rank; }
  int world_size() const { return options_.world_size; }
  const std::string& backend() const { return backend_; }

  // Copies rank 0's values into every rank's tensors (parameters and buffers), in place.
  void BroadcastFromRank0(const std::vector<torch::Tensor>& tensors);
  // Replaces every parameter's gradient by the mean over ranks (undefined grads count as zeros and become
  // defined). Gradients are packed into contiguous buckets of at most bucket_bytes and reduced together.
  void AverageGradients(const std::vector<torch::Tensor>& params, int64_t bucket_bytes = 64ll << 20);
  // Sums `t` over ranks in place (any device, float or double).
  void SumInPlace(torch::Tensor& t);
  // Sums each value over ranks.
  std::vector<double> Sum(const std::vector<double>& values);
  void Barrier();

 private:
  struct Impl;
  DistributedOptions options_;
  torch::Device device_;
  std::string backend_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pipe_core

// c10d rendezvous and collectives (see distributed.h).
#include "core/distributed.h"

#include <chrono>
#include <cstdlib>
#include <stdexcept>

#include "core/distributed_compat.h"

namespace pipe_core {

namespace {

std::chrono::milliseconds Millis(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000.0));
}

bool IsLoopback(const std::string& addr) { return addr == "localhost" || addr == "::1" || addr.rfind("127.", 0) == 0; }

}  // namespace

bool DistributedGlooAvailable() { return PIPE_HAVE_C10D_GLOO != 0; }
bool DistributedNcclAvailable() { return PIPE_HAVE_C10D_NCCL != 0; }

void ValidateDistributedOptions(const DistributedOptions& o) {
  if (o.world_size < 1)
    throw std::invalid_argument("Expected worldSize >= 1 but received " + std::to_string(o.world_size));
  if (o.rank < 0 || o.rank >= o.world_size)
    throw std::invalid_argument("Expected rank in [0, " + std::to_string(o.world_size) + ") but received " +
                                std::to_string(o.rank));
  if (o.world_size > 1) {
    if (o.master_port < 1 || o.master_port > 65535)
      throw std::invalid_argument("Expected masterPort in [1, 65535] but received " + std::to_string(o.master_port));
    if (o.master_addr.empty()) throw std::invalid_argument("Expected a host name for masterAddr but received ''");
  }
  if (!(o.timeout_s > 0))
    throw std::invalid_argument("Expected distributed timeout > 0 s but received " + std::to_string(o.timeout_s));
  if (o.backend != "auto" && o.backend != "gloo" && o.backend != "nccl")
    throw std::invalid_argument("Expected auto | gloo | nccl for backend but received " + o.backend);
}

struct DistributedContext::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<compat::C10dBackend> group;
  torch::Device comm_device{torch::kCPU};  // where collective buffers live

  void Wait(const c10::intrusive_ptr<c10d::Work>& work) { work->wait(); }
};

DistributedContext::DistributedContext(const DistributedOptions& options, const torch::Device& device)
    : options_(options), device_(device), impl_(std::make_unique<Impl>()) {
  ValidateDistributedOptions(options_);
  backend_ = options_.backend;
  if (backend_ == "auto") backend_ = device.is_cuda() && DistributedNcclAvailable() ? "nccl" : "gloo";
  if (backend_ == "nccl" && !device.is_cuda())
    throw std::invalid_argument("Expected a cuda device for backend nccl but received " + device.str());
  if (backend_ == "nccl" && !DistributedNcclAvailable())
    throw std::runtime_error("this build of the native runtime has no c10d NCCL process group (LibTorch " +
                             std::string(TORCH_VERSION) + "); use backend gloo");
  if (backend_ == "gloo" && !DistributedGlooAvailable())
    throw std::runtime_error("this build of the native runtime has no c10d Gloo process group (LibTorch " +
                             std::string(TORCH_VERSION) + ")");

  c10d::TCPStoreOptions so;
  so.port = static_cast<uint16_t>(options_.master_port);
  so.isServer = options_.rank == 0;
  so.numWorkers = static_cast<size_t>(options_.world_size);
  so.waitWorkers = true;
  so.timeout = Millis(options_.timeout_s);
  try {
    impl_->store = c10::make_intrusive<c10d::TCPStore>(options_.master_addr, so);
  } catch (const std::exception& e) {
    throw std::runtime_error("rank " + std::to_string(options_.rank) + ": rendezvous at " + options_.master_addr + ":" +
                             std::to_string(options_.master_port) + " failed (" + e.what() + ")");
  }

#if PIPE_HAVE_C10D_NCCL
  if (backend_ == "nccl") {
    auto po = c10d::ProcessGroupNCCL::Options::create();
    po->timeout = Millis(options_.timeout_s);
    impl_->group = c10::make_intrusive<c10d::ProcessGroupNCCL>(impl_->store, options_.rank, options_.world_size, po);
    impl_->comm_device = device;
  }
#endif
#if PIPE_HAVE_C10D_GLOO
  if (backend_ == "gloo") {
    auto po = c10d::ProcessGroupGloo::Options::create(Millis(options_.timeout_s));
    // The transport binds to the interface named by GLOO_SOCKET_IFNAME, else loopback for a local master,
    // else the address this host's name resolves to (multi-node).
    const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");
    if (ifname && *ifname)
      po->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
    else if (IsLoopback(options_.master_addr))
      po->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
    else
      po->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    po->threads = 2;
    impl_->group = c10::make_intrusive<c10d::ProcessGroupGloo>(impl_->store, options_.rank, options_.world_size, po);
    impl_->comm_device = torch::Device(torch::kCPU);
  }
#endif
  if (!impl_->group) throw std::runtime_error("no process group for backend " + backend_);
}

DistributedContext::~DistributedContext() = default;

void DistributedContext::BroadcastFromRank0(const std::vector<torch::Tensor>& tensors) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> flat;
  for (const auto& t : tensors) flat.push_back(t.detach().reshape({-1}).to(impl_->comm_device, torch::kDouble));
  if (flat.empty()) return;
  std::vector<torch::Tensor> buffer{torch::cat(flat)};
  c10d::BroadcastOptions bo;
  bo.rootRank = 0;
  impl_->Wait(impl_->group->broadcast(buffer, bo));
  int64_t offset = 0;
  for (const auto& t : tensors) {
    const int64_t n = t.numel();
    t.detach().copy_(buffer[0].narrow(0, offset, n).view(t.sizes()).to(t.device(), t.scalar_type()));
    offset += n;
  }
}

void DistributedContext::AverageGradients(const std::vector<torch::Tensor>& params, int64_t bucket_bytes) {
  torch::NoGradGuard no_grad;
  const double inv = 1.0 / static_cast<double>(options_.world_size);
  // Buckets of consecutive parameters with the same dtype, each packed into one contiguous buffer.
  std::vector<std::vector<torch::Tensor>> buckets;
  int64_t bytes = bucket_bytes;
  for (auto p : params) {
    if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
    const int64_t b = p.numel() * static_cast<int64_t>(p.element_size());
    if (buckets.empty() || bytes + b > bucket_bytes || buckets.back().front().scalar_type() != p.scalar_type()) {
      buckets.emplace_back();
      bytes = 0;
    }
    buckets.back().push_back(p.grad());
    bytes += b;
  }
  std::vector<std::vector<torch::Tensor>> buffers;
  std::vector<c10::intrusive_ptr<c10d::Work>> works;
  for (const auto& grads : buckets) {
    std::vector<torch::Tensor> flat;
    for (const auto& g : grads) flat.push_back(g.reshape({-1}));
    buffers.push_back({torch::cat(flat).to(impl_->comm_device)});
    c10d::AllreduceOptions ao;
    ao.reduceOp = c10d::ReduceOp::SUM;
    works.push_back(impl_->group->allreduce(buffers.back(), ao));
  }
  for (size_t i = 0; i < buckets.size(); ++i) {
    impl_->Wait(works[i]);
    const torch::Tensor& sum = buffers[i][0];
    int64_t offset = 0;
    for (auto& g : buckets[i]) {
      const int64_t n = g.numel();
      g.copy_(sum.narrow(0, offset, n).view(g.sizes()).to(g.device()));
      g.mul_(inv);
      offset += n;
    }
  }
}

void DistributedContext::SumInPlace(torch::Tensor& t) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> buffer{t.detach().contiguous().to(impl_->comm_device)};
  c10d::AllreduceOptions ao;
  ao.reduceOp = c10d::ReduceOp::SUM;
  impl_->Wait(impl_->group->allreduce(buffer, ao));
  t.detach().copy_(buffer[0].to(t.device()));
}

std::vector<double> DistributedContext::Sum(const std::vector<double>& values) {
  if (values.empty()) return {};
  torch::Tensor t = torch::tensor(values, torch::TensorOptions().dtype(torch::kDouble));
  if (backend_ == "nccl") t = t.to(impl_->comm_device);
  SumInPlace(t);
  t = t.to(torch::kCPU);
  return std::vector<double>(t.data_ptr<double>(), t.data_ptr<double>() + t.numel());
}

void DistributedContext::Barrier() { impl_->Wait(impl_->group->barrier(c10d::BarrierOptions())); }

}  // namespace pipe_core

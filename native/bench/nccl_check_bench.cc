// The c10d path at world size 1: the NCCL process group on CUDA has compiled but never run, so
// gpu-check runs this where CUDA is present. Checks: rendezvous and init of the requested backend; the broadcast keeps
// rank 0's weights; the bucketed gradient all-reduce (mean over one rank) returns the gradients unchanged, bit for
// bit; scalar sums and a barrier; then one SGD step on the averaged gradient, and the checkpoint rank 0 writes of it
// reloads to the same weights. (core::Train itself opens no process group at world size 1, so the collectives are
// driven here directly, as the trainer drives them at any world size.)
// Usage: nccl_check_bench [device = cuda] [backend = nccl]   (cpu gloo: the same checks on Gloo, for a CPU dry run)
// Prints "SKIP ..." and exits 0 where the build has no such process group; "1 passed, 0 failed" when all held.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <stdexcept>
#include <string>

#include "../tests/phantom.h"
#include "core/checkpoint.h"
#include "core/distributed.h"
#include "core/loss.h"
#include "core/trainer.h"  // WeightsDigest
#include "core/unetpp.h"

namespace {

int failures = 0;
void Expect(bool ok, const std::string& what) {
  std::printf("%s %s\n", ok ? "ok  " : "FAIL", what.c_str());
  if (!ok) ++failures;
}

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) throw std::runtime_error("bind failed");
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

pipe_core::DistributedOptions WorldOfOne(const std::string& backend) {
  pipe_core::DistributedOptions d;
  d.master_port = FreePort();
  d.timeout_s = 60;
  d.backend = backend;
  return d;
}

void CheckCollectives(const torch::Device& device, const std::string& backend) {
  pipe_core::DistributedContext ctx(WorldOfOne(backend), device);
  Expect(ctx.backend() == backend && ctx.world_size() == 1, "init: backend " + ctx.backend() + ", world size 1");
  torch::manual_seed(3);
  pipe_core::UNetPlusPlus net(pipe_test::TinyNetwork());
  net->to(device);
  const auto before = pipe_core::WeightsDigest(net->parameters());
  ctx.BroadcastFromRank0(net->parameters());
  Expect(pipe_core::WeightsDigest(net->parameters()) == before, "broadcast from rank 0 keeps the weights");
  torch::manual_seed(5);
  const auto x = torch::randn({2, 1, 16, 16, 16}).to(device);
  const auto y = torch::randint(0, 3, {2, 16, 16, 16}, torch::kLong).to(device);
  pipe_core::DeepSupervisionLoss(net->forward(x), y, pipe_core::LossOptions{}).total.backward();
  std::vector<torch::Tensor> grads;
  for (const auto& p : net->parameters()) grads.push_back(p.grad().detach().clone());
  ctx.AverageGradients(net->parameters(), /*bucket_bytes=*/4096);  // small buckets: several all-reduces
  bool same = true, nonzero = false;
  const auto params = net->parameters();
  for (size_t i = 0; i < params.size(); ++i) {
    same = same && params[i].grad().device().type() == device.type() && torch::equal(params[i].grad(), grads[i]);
    nonzero = nonzero || grads[i].abs().sum().item<double>() > 0;
  }
  Expect(same && nonzero, "gradient all-reduce at world size 1 returns the gradients bit for bit, on " + device.str());
  auto t = torch::full({3}, 2.5, torch::TensorOptions().dtype(torch::kFloat).device(device));
  ctx.SumInPlace(t);
  Expect(t.cpu().eq(2.5).all().item<bool>(), "SumInPlace on " + device.str());
  const auto sums = ctx.Sum({1.5, -4.0});
  Expect(sums.size() == 2 && sums[0] == 1.5 && sums[1] == -4.0, "Sum of scalars");
  ctx.Barrier();
  Expect(true, "barrier");

  torch::optim::SGD opt(net->parameters(), torch::optim::SGDOptions(0.01).momentum(0.99).nesterov(true));
  torch::nn::utils::clip_grad_norm_(net->parameters(), 12.0);
  opt.step();
  const auto trained = pipe_core::WeightsDigest(net->parameters());
  Expect(trained != before, "one SGD step on the averaged gradient moved the weights");
  const std::string path = pipe_test::TempDir("nccl-check") + "/checkpoint.pt";
  if (ctx.rank() == 0) pipe_core::SaveCheckpoint(path, *net, &opt, pipe_core::TrainState{}, pipe_core::CheckpointMeta{});
  ctx.Barrier();
  auto reloaded = pipe_core::LoadModel(path, device);
  Expect(pipe_core::WeightsDigest(reloaded->parameters()) == trained,
         "rank 0's checkpoint reloads to the trained weights (digest " + trained + ")");
}

}  // namespace

int main(int argc, char** argv) {
  const std::string device = argc > 1 ? argv[1] : "cuda";
  const std::string backend = argc > 2 ? argv[2] : "nccl";
  const bool built = backend == "nccl" ? pipe_core::DistributedNcclAvailable() : pipe_core::DistributedGlooAvailable();
  if (!built) {
    std::printf("SKIP: this build has no c10d %s process group (see the build's 'c10d Gloo/NCCL' probe line)\n",
                backend.c_str());
    return 0;
  }
  if (device == "cuda" && !torch::cuda::is_available()) {
    std::printf("SKIP: no CUDA device\n");
    return 0;
  }
  try {
    CheckCollectives(torch::Device(device), backend);
  } catch (const std::exception& e) {
    std::printf("FAIL exception: %s\n", e.what());
    ++failures;
  }
  std::printf("%d passed, %d failed\n", failures == 0 ? 1 : 0, failures == 0 ? 0 : 1);
  return failures == 0 ? 0 : 1;
}

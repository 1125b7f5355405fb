// The c10d path at world size 1 (issue 12 item 7): the NCCL process group on CUDA has compiled but never run, so
// gpu-check runs this where CUDA is present. Checks: rendezvous and init of the requested backend; the broadcast keeps
// rank 0's weights; the bucketed gradient all-reduce (mean over one rank) returns the gradients unchanged, bit for
// bit; scalar sums and a barrier; then training through core::Train with that backend writes a checkpoint (rank 0)
// whose reloaded weights have the run's digest.
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
#include "core/trainer.h"
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
    same = same && params[i].grad().device() == device && torch::equal(params[i].grad(), grads[i]);
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
}

void CheckTrainingCheckpoint(const std::string& device, const std::string& backend) {
  const std::string dir = pipe_test::TempDir("nccl-check");
  pipe_core::TrainOptions o;
  o.network = pipe_test::TinyNetwork();
  o.train_cases = {pipe_test::WritePhantom(dir, "a", 24, 1), pipe_test::WritePhantom(dir, "b", 24, 2)};
  o.val_cases = {pipe_test::WritePhantom(dir, "c", 24, 3)};
  o.out_dir = dir + "/out";
  o.batch_size = 2;
  o.patch = {16, 16, 16};
  o.epochs = 2;
  o.iterations_per_epoch = 2;
  o.val_iterations = 1;
  o.device = device;
  o.checkpoint_every = 1;
  o.distributed = WorldOfOne(backend);
  const auto r = pipe_core::Train(
      o, [](const pipe_core::ProgressEvent&) {}, nullptr);
  Expect(r.backend == backend && r.world_size == 1, "core::Train ran on " + r.backend + " at world size 1");
  Expect(!r.final_checkpoint.empty(), "rank 0 wrote the final checkpoint");
  if (r.final_checkpoint.empty()) return;
  auto net = pipe_core::LoadModel(r.final_checkpoint, torch::Device(device));
  Expect(pipe_core::WeightsDigest(net->parameters()) == r.weights_digest,
         "reloaded checkpoint has the trained weights (digest " + r.weights_digest + ")");
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
    CheckTrainingCheckpoint(device, backend);
  } catch (const std::exception& e) {
    std::printf("FAIL exception: %s\n", e.what());
    ++failures;
  }
  std::printf("%d passed, %d failed\n", failures == 0 ? 1 : 0, failures == 0 ? 0 : 1);
  return failures == 0 ? 0 : 1;
}

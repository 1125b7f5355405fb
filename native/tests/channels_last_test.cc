// Node-free checks of the channels-last switch: off on the CPU whatever the setting, on for CUDA
// with on (auto: where the fused norm kernels run); ToChannelsLast keeps values and tensors and re-lays 5-D weights as
// ChannelsLast3d; a bad setting is refused naming channelsLast.
#include "core/channels_last.h"

#include <torch/torch.h>

#include <cstdlib>

#include "check.h"
#include "core/fused_norm_act.h"
#include "core/train_options.h"
#include "core/unetpp.h"
#include "phantom.h"

TEST("UseChannelsLast: never on the CPU; on turns it on for CUDA, auto where the fused norm kernels run, off never") {
  for (const char* s : {"off", "on", "auto"}) CHECK(!pipe_core::UseChannelsLast(s, torch::kCPU));
  const torch::Device cuda("cuda");
  CHECK(pipe_core::UseChannelsLast("on", cuda));
  CHECK(!pipe_core::UseChannelsLast("off", cuda));
  const bool fused = pipe_core::FusedNormActCompiled() && pipe_core::FusedNormActEnabled();
  CHECK(pipe_core::UseChannelsLast("auto", cuda) == fused);
  setenv("PIPE_FUSED_NORM", "0", 1);  // the kernels switched off: auto keeps LibTorch's default layout
  CHECK(!pipe_core::UseChannelsLast("auto", cuda));
  unsetenv("PIPE_FUSED_NORM");
}

TEST("ToChannelsLast: same values and tensors, 5-D weights in ChannelsLast3d") {
  torch::manual_seed(1);
  pipe_core::UNetPlusPlus net(pipe_test::TinyNetwork());
  const auto params = net->parameters();
  std::vector<torch::Tensor> before;
  for (const auto& p : params) before.push_back(p.detach().clone());
  pipe_core::ToChannelsLast(*net);
  const auto after = net->parameters();
  CHECK(after.size() == params.size());
  int five_d = 0;
  for (size_t i = 0; i < after.size(); ++i) {
    CHECK(after[i].is_same(params[i]));
    CHECK(torch::equal(after[i], before[i]));
    if (after[i].dim() == 5) {
      ++five_d;
      CHECK(after[i].is_contiguous(at::MemoryFormat::ChannelsLast3d));
    }
  }
  CHECK(five_d > 0);
}

TEST("CheckTrainOptions refuses an unknown channelsLast, naming the field") {
  pipe_core::TrainOptions o;
  o.network = pipe_test::TinyNetwork();
  o.out_dir = pipe_test::TempDir("channels-last");
  o.train_cases = {pipe_core::CaseSource{"a", "a.npy", "a.seg.npy", {}}};
  o.patch = {16, 16, 16};
  o.channels_last = "sideways";
  CHECK_THROWS_WITH(pipe_core::CheckTrainOptions(o), "channelsLast");
  o.channels_last = "auto";
  pipe_core::CheckTrainOptions(o);
}

int main(int argc, char** argv) { return ::pipe_test::RunAll(argc, argv); }

// What the trainer, the checkpoints and the predictor see of a network: a module built from a NetworkPlan that
// returns npool deep-supervision heads, and the one factory that picks the architecture the plan names
// (plan.architecture: "unetpp" -> core/unetpp.h, "unet" -> core/generic_unet.h).
#pragma once

#include <torch/torch.h>

#include <vector>

#include "core/network_plan.h"

namespace pipe_core {

class SegmentationNetworkImpl : public torch::nn::Module {
 public:
  explicit SegmentationNetworkImpl(const NetworkPlan& plan);  // throws std::invalid_argument naming the field
  ~SegmentationNetworkImpl() override = default;

  // x is (N, in, Z, Y, X) with Z, Y, X divisible by PatchDivisor(plan). Returns the logits of the heads in loss order,
  // the head inference reads last: each (N, classes, ...). depth <= 0 means all npool heads; 1 <= depth < npool
  // returns only heads 1..depth and computes no more of the network than they need.
  virtual std::vector<torch::Tensor> forward(const torch::Tensor& x, int64_t depth = 0) = 0;

  // true when every head is at the input's resolution (UNet++), so prediction may read any head or their average;
  // false when only the last one is (Generic_UNet: its other heads are at 1/2 .. 1/2^(npool-1)).
  virtual bool full_resolution_heads() const = 0;

  const NetworkPlan& plan() const { return plan_; }
  int64_t num_pools() const { return plan_.num_pools(); }
  int64_t num_heads() const { return plan_.num_pools(); }

  // He init of every conv (core/conv_norm_act.h: InitHeWeights).
  void InitHe();

 protected:
  NetworkPlan plan_;
};
TORCH_MODULE(SegmentationNetwork);

// Builds the network plan.architecture names, He-initialised from LibTorch's generator.
SegmentationNetwork MakeNetwork(const NetworkPlan& plan);

// The deep-supervision loss weights of the architecture's heads, in forward()'s order (what an empty
// LossOptions::head_weights means in training):
//   unetpp  all 1: pipe's variant (a), every full-resolution head X^{0,1..npool} alike (recipe box);
//   unet    nnU-Net v1's: output at scale 1/2^s gets 1/2^s, the coarsest output 0, normalised to sum 1
//           (recipe 8.3; npool 5: [0, 0.0667, 0.1333, 0.2667, 0.5333], coarsest first).
std::vector<double> DefaultHeadWeights(const NetworkPlan& plan);

}  // namespace pipe_core

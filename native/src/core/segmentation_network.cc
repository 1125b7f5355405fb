// The network interface and factory (see segmentation_network.h).
#include "core/segmentation_network.h"

#include <cmath>
#include <memory>
#include <utility>

#include "core/conv_norm_act.h"
#include "core/generic_unet.h"
#include "core/unetpp.h"

namespace pipe_core {

SegmentationNetworkImpl::SegmentationNetworkImpl(const NetworkPlan& plan) : plan_(plan) { ValidatePlan(plan_); }

void SegmentationNetworkImpl::InitHe() { InitHeWeights(*this); }

SegmentationNetwork MakeNetwork(const NetworkPlan& plan) {
  ValidatePlan(plan);  // names a bad architecture before anything is built
  // As shared_ptr<SegmentationNetworkImpl>: a shared_ptr of the derived type would pick ModuleHolder's
  // forwarding constructor, which news the (abstract) contained type.
  std::shared_ptr<SegmentationNetworkImpl> net;
  if (plan.architecture == kGenericUNet)
    net = std::make_shared<GenericUNetImpl>(plan);
  else
    net = std::make_shared<UNetPlusPlusImpl>(plan);
  return SegmentationNetwork(std::move(net));
}

std::vector<double> DefaultHeadWeights(const NetworkPlan& plan) {
  ValidatePlan(plan);
  const int64_t n = plan.num_pools();
  if (plan.architecture != kGenericUNet) return std::vector<double>(static_cast<size_t>(n), 1.0);
  // nnU-Net indexes its outputs from full resolution (s = 0) down; forward() lists them coarsest first.
  std::vector<double> w(static_cast<size_t>(n), 0.0);
  double sum = 0;
  for (int64_t s = 0; s < n; ++s) {
    const bool masked = s == n - 1 && s > 0;  // the coarsest output, unless it is the only one
    const double v = masked ? 0.0 : std::ldexp(1.0, -static_cast<int>(s));  // 1 / 2^s
    w[static_cast<size_t>(n - 1 - s)] = v;
    sum += v;
  }
  for (double& v : w) v /= sum;
  return w;
}

}  // namespace pipe_core

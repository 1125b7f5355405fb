// The network part of a plan (plans.json configurations[...]) plus the architecture built from it: everything that
// fixes the network's shape. Its canonical text and hash identify a checkpoint's network; PlanDiff names what
// differs.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace pipe_core {

using Axes3 = std::array<int64_t, 3>;  // per-axis (z, y, x)

// The architectures a plan can build (core/segmentation_network.h): pipe's UNet++ (core/unetpp.h, the default) and
// nnU-Net v1's Generic_UNet (core/generic_unet.h), so a study can compare the two on the same plan.
constexpr const char* kUNetPlusPlus = "unetpp";
constexpr const char* kGenericUNet = "unet";

struct NetworkPlan {
  std::string architecture = kUNetPlusPlus;  // kUNetPlusPlus | kGenericUNet
  int64_t in_channels = 1;
  int64_t num_classes = 2;  // including background
  int64_t base_features = 32;
  int64_t max_features = 320;
  std::vector<Axes3> pool_kernels;  // npool entries
  std::vector<Axes3> conv_kernels;  // npool + 1 entries

  int64_t num_pools() const { return static_cast<int64_t>(pool_kernels.size()); }
  // Features of encoder stage d: base * 2^d, capped at max.
  int64_t features(int64_t stage) const;
};

// Throws std::invalid_argument naming the field when the plan cannot build a network.
void ValidatePlan(const NetworkPlan& plan);

// Canonical one-line text, e.g. "in=1 classes=3 base=32 max=320 pool=[[2,2,2],...] conv=[[3,3,3],...]"; a plan of
// another architecture than UNet++ ends in " net=unet" (a UNet++ plan keeps the text, and so the hash, it had before
// there were two architectures).
std::string PlanText(const NetworkPlan& plan);
// 16 hex digits (FNV-1a 64 of PlanText).
std::string PlanHash(const NetworkPlan& plan);
// Empty when equal, else "numClasses: checkpoint 3, plan 2; poolKernels: ..." (one entry per differing field).
std::string PlanDiff(const NetworkPlan& checkpoint, const NetworkPlan& plan);

// Smallest patch edge per axis the plan accepts: the product of its pool kernels.
Axes3 PatchDivisor(const NetworkPlan& plan);

// The one patch check of core: throws std::invalid_argument unless every axis of `patch` is a positive multiple of
// PatchDivisor(plan), e.g. "Expected a positive multiple of 4 (product of the pool kernels) for patchSize[2] but
// received 15". (src/native/addon/plans.ts holds TypeScript's one copy of the check: checkPatchSize.)
void CheckPatchDivisible(const NetworkPlan& plan, const Axes3& patch, const std::string& field);

}  // namespace pipe_core

// Plan validation, canonical text, hash and diff (see network_plan.h).
#include "core/network_plan.h"

#include <cstdio>
#include <sstream>
#include <stdexcept>

namespace pipe_core {

int64_t NetworkPlan::features(int64_t stage) const {
  int64_t f = base_features;
  for (int64_t d = 0; d < stage && f < max_features; ++d) f *= 2;
  return f < max_features ? f : max_features;
}

namespace {

std::string AxesListText(const std::vector<Axes3>& list) {
  std::ostringstream s;
  s << '[';
  for (size_t i = 0; i < list.size(); ++i) {
    if (i) s << ',';
    s << '[' << list[i][0] << ',' << list[i][1] << ',' << list[i][2] << ']';
  }
  s << ']';
  return s.str();
}

}  // namespace

void ValidatePlan(const NetworkPlan& plan) {
  auto fail = [](const std::string& what) { throw std::invalid_argument("invalid network plan: " + what); };
  if (plan.architecture != kUNetPlusPlus && plan.architecture != kGenericUNet)
    fail(std::string("Expected ") + kUNetPlusPlus + " | " + kGenericUNet + " for architecture but received \"" +
         plan.architecture + "\"");
  if (plan.in_channels < 1) fail("Expected inChannels >= 1 but received " + std::to_string(plan.in_channels));
  if (plan.num_classes < 2)
    fail("Expected numClasses >= 2 (background included) but received " + std::to_string(plan.num_classes));
  if (plan.base_features < 1 || plan.max_features < plan.base_features)
    fail("Expected 1 <= baseFeatures <= maxFeatures but received " + std::to_string(plan.base_features) + ", " +
         std::to_string(plan.max_features));
  if (plan.pool_kernels.empty()) fail("Expected at least one pooling in poolKernels but received []");
  if (plan.conv_kernels.size() != plan.pool_kernels.size() + 1)
    fail("Expected convKernels to have npool+1 = " + std::to_string(plan.pool_kernels.size() + 1) +
         " entries but received " + std::to_string(plan.conv_kernels.size()));
  for (const auto& k : plan.pool_kernels)
    for (int64_t v : k)
      if (v < 1) fail("Expected pool kernels >= 1 but received " + AxesListText(plan.pool_kernels));
  for (const auto& k : plan.conv_kernels)
    for (int64_t v : k)
      if (v < 1 || v % 2 == 0) fail("Expected odd conv kernels >= 1 but received " + AxesListText(plan.conv_kernels));
}

std::string PlanText(const NetworkPlan& plan) {
  std::ostringstream s;
  s << "in=" << plan.in_channels << " classes=" << plan.num_classes << " base=" << plan.base_features
    << " max=" << plan.max_features << " pool=" << AxesListText(plan.pool_kernels)
    << " conv=" << AxesListText(plan.conv_kernels);
  if (plan.architecture != kUNetPlusPlus) s << " net=" << plan.architecture;
  return s.str();
}

std::string PlanHash(const NetworkPlan& plan) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : PlanText(plan)) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string PlanDiff(const NetworkPlan& a, const NetworkPlan& b) {
  std::ostringstream s;
  auto field = [&](const char* name, const std::string& x, const std::string& y) {
    if (x == y) return;
    if (s.tellp() > 0) s << "; ";
    s << name << ": checkpoint " << x << ", plan " << y;
  };
  field("architecture", a.architecture, b.architecture);
  field("inChannels", std::to_string(a.in_channels), std::to_string(b.in_channels));
  field("numClasses", std::to_string(a.num_classes), std::to_string(b.num_classes));
  field("baseFeatures", std::to_string(a.base_features), std::to_string(b.base_features));
  field("maxFeatures", std::to_string(a.max_features), std::to_string(b.max_features));
  field("poolKernels", AxesListText(a.pool_kernels), AxesListText(b.pool_kernels));
  field("convKernels", AxesListText(a.conv_kernels), AxesListText(b.conv_kernels));
  return s.str();
}

Axes3 PatchDivisor(const NetworkPlan& plan) {
  Axes3 d{1, 1, 1};
  for (const auto& k : plan.pool_kernels)
    for (int a = 0; a < 3; ++a) d[a] *= k[a];
  return d;
}

void CheckPatchDivisible(const NetworkPlan& plan, const Axes3& patch, const std::string& field) {
  const Axes3 d = PatchDivisor(plan);
  for (int a = 0; a < 3; ++a)
    if (patch[a] < 1 || patch[a] % d[a] != 0)
      throw std::invalid_argument("Expected a positive multiple of " + std::to_string(d[a]) +
                                  " (product of the pool kernels) for " + field + "[" + std::to_string(a) +
                                  "] but received " + std::to_string(patch[a]));
}

}  // namespace pipe_core

// key=value command-line arguments and plan text for the benches (parity_bench, train_e2e_bench).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/network_plan.h"

namespace pipe_bench {

class Args {
 public:
  Args(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      const auto eq = a.find('=');
      if (eq == std::string::npos) throw std::invalid_argument("expected key=value but received \"" + a + "\"");
      values_[a.substr(0, eq)] = a.substr(eq + 1);
    }
  }
  std::string Str(const std::string& key, const std::string& fallback) const {
    const auto it = values_.find(key);
    used_.push_back(key);
    return it == values_.end() ? fallback : it->second;
  }
  int64_t Int(const std::string& key, int64_t fallback) const {
    const std::string s = Str(key, "");
    if (s.empty()) return fallback;
    char* end = nullptr;
    const long long v = std::strtoll(s.c_str(), &end, 10);
    if (*end) throw std::invalid_argument("expected an integer for " + key + " but received \"" + s + "\"");
    return v;
  }
  // Throws naming the first key no Str/Int call asked for (a typo would silently fall back otherwise).
  void CheckAllUsed() const {
    for (const auto& [k, v] : values_) {
      bool seen = false;
      for (const auto& u : used_) seen = seen || u == k;
      if (!seen) throw std::invalid_argument("unknown argument " + k);
    }
  }

 private:
  std::map<std::string, std::string> values_;
  mutable std::vector<std::string> used_;
};

// "2x2x2,1x2x2" -> {{2,2,2},{1,2,2}}; a single "128" or "128,128,128" for ParseAxes.
inline std::vector<pipe_core::Axes3> ParseAxesList(const std::string& text, const std::string& key) {
  std::vector<pipe_core::Axes3> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    pipe_core::Axes3 a{};
    if (std::sscanf(item.c_str(), "%ldx%ldx%ld", &a[0], &a[1], &a[2]) != 3)
      throw std::invalid_argument("expected ZxYxX entries for " + key + " but received \"" + item + "\"");
    out.push_back(a);
  }
  return out;
}

inline pipe_core::Axes3 ParseAxes(const std::string& text, const std::string& key) {
  pipe_core::Axes3 a{};
  if (std::sscanf(text.c_str(), "%ld,%ld,%ld", &a[0], &a[1], &a[2]) == 3) return a;
  char* end = nullptr;
  const long v = std::strtol(text.c_str(), &end, 10);
  if (*end || v <= 0) throw std::invalid_argument("expected N or Z,Y,X for " + key + " but received \"" + text + "\"");
  return {v, v, v};
}

// The network plan from network= in= classes= base= max= npool= pool= conv= (defaults: UNet++ on the Task03
// 3d_fullres plan; network=unet builds Generic_UNet).
inline pipe_core::NetworkPlan PlanFromArgs(const Args& args) {
  pipe_core::NetworkPlan plan;
  plan.architecture = args.Str("network", pipe_core::kUNetPlusPlus);  // unetpp | unet
  plan.in_channels = args.Int("in", 1);
  plan.num_classes = args.Int("classes", 3);
  plan.base_features = args.Int("base", 32);
  plan.max_features = args.Int("max", 320);
  const int64_t npool = args.Int("npool", 5);
  const std::string pool = args.Str("pool", ""), conv = args.Str("conv", "");
  plan.pool_kernels = pool.empty() ? std::vector<pipe_core::Axes3>(npool, {2, 2, 2}) : ParseAxesList(pool, "pool");
  plan.conv_kernels = conv.empty() ? std::vector<pipe_core::Axes3>(plan.pool_kernels.size() + 1, {3, 3, 3})
                                   : ParseAxesList(conv, "conv");
  pipe_core::ValidatePlan(plan);
  return plan;
}

inline std::string AxesJson(const pipe_core::Axes3& a) {
  return "[" + std::to_string(a[0]) + "," + std::to_string(a[1]) + "," + std::to_string(a[2]) + "]";
}

inline std::string PlanJson(const pipe_core::NetworkPlan& p) {
  auto list = [](const std::vector<pipe_core::Axes3>& v) {
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + AxesJson(v[i]);
    return s + "]";
  };
  return "{\"architecture\":\"" + p.architecture + "\",\"in_channels\":" + std::to_string(p.in_channels) +
         ",\"num_classes\":" + std::to_string(p.num_classes) + ",\"base_features\":" + std::to_string(p.base_features) +
         ",\"max_features\":" + std::to_string(p.max_features) + ",\"pool_kernels\":" + list(p.pool_kernels) +
         ",\"conv_kernels\":" + list(p.conv_kernels) + "}";
}

}  // namespace pipe_bench

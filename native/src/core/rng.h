// The trainer's one random stream for sampling and augmentation: mt19937_64 with its own uniform helpers, so
// draws are identical across standard libraries and the state round-trips through a checkpoint as text.
#pragma once

#include <cstdint>
#include <random>
#include <sstream>
#include <string>

namespace pipe_core {

class Rng {
 public:
  explicit Rng(uint64_t seed = 0) : engine_(seed) {}
  // Uniform in [0, 1).
  double Uniform() { return static_cast<double>(engine_() >> 11) * (1.0 / 9007199254740992.0); }
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  // Uniform integer in [lo, hi] (inclusive).
  int64_t Int(int64_t lo, int64_t hi) {
    const uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
    return lo + static_cast<int64_t>(engine_() % span);
  }
  bool Bernoulli(double p) { return Uniform() < p; }

  std::string State() const {
    std::ostringstream s;
    s << engine_;
    return s.str();
  }
  void SetState(const std::string& state) {
    std::istringstream s(state);
    s >> engine_;
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace pipe_core

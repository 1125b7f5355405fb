// Counter-keyed random numbers for the loader: every sample gets its own stream derived from
// (seed, stream, iteration, sample index), so a batch does not depend on thread scheduling.
#pragma once

#include <cmath>
#include <cstdint>

namespace pipe_core {

class AugmentRng {
 public:
  // `stream` separates independent users of one seed (e.g. the rank in multi-device training).
  static AugmentRng ForSample(uint64_t seed, uint64_t stream, uint64_t iteration, uint64_t sample) {
    uint64_t k = Mix(seed ^ 0x6a09e667f3bcc909ULL);
    k = Mix(k ^ (stream + 0x3c6ef372fe94f82bULL));
    k = Mix(k ^ (iteration + 0xa54ff53a5f1d36f1ULL));
    k = Mix(k ^ (sample + 0x510e527fade682d1ULL));
    return AugmentRng(k);
  }

  explicit AugmentRng(uint64_t key) {
    uint64_t x = key;
    for (uint64_t& w : s_) w = SplitMix(&x);
  }

  // xoshiro256**
  uint64_t NextU64() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // U[0, 1) with 53 random bits.
  double Uniform() { return static_cast<double>(NextU64() >> 11) * 0x1.0p-53; }
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  // True with probability p (draws once even when p is 0 or 1, so the stream layout is fixed).
  bool Chance(double p) { return Uniform() < p; }
  // Integer uniform in [lo, hi] inclusive (hi >= lo).
  int64_t Integer(int64_t lo, int64_t hi) {
    const uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
    if (span == 0) return static_cast<int64_t>(NextU64());
    // Lemire's nearly-divisionless bounded draw with rejection: exact uniformity.
    const uint64_t limit = (0 - span) % span;
    for (;;) {
      const uint64_t r = NextU64();
      const unsigned __int128 m = static_cast<unsigned __int128>(r) * span;
      if (static_cast<uint64_t>(m) >= limit) return lo + static_cast<int64_t>(m >> 64);
    }
  }
  // Standard normal (Marsaglia polar method, caches the second value).
  double Normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u, v, s;
    do {
      u = 2.0 * Uniform() - 1.0;
      v = 2.0 * Uniform() - 1.0;
      s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    const double f = std::sqrt(-2.0 * std::log(s) / s);
    spare_ = v * f;
    has_spare_ = true;
    return u * f;
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static uint64_t SplitMix(uint64_t* x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    return Mix(z);
  }
  static uint64_t Mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  uint64_t s_[4];
  double spare_ = 0.0;
  bool has_spare_ = false;
};

}  // namespace pipe_core

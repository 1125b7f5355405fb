// Check-counting helpers for the statistics-style Node-free tests (augment_test, loader_test):
// Check(ok, what) counts a result and prints failures, FinishChecks() prints "N passed, M failed"
// and gives the exit code. (TEST-style tests use check.h instead.)
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <string>

namespace pipe_test {

struct Tally {
  int passed = 0, failed = 0;
};
inline Tally& Checks() {
  static Tally tally;
  return tally;
}

inline void Check(bool ok, const std::string& what) {
  if (ok) {
    ++Checks().passed;
  } else {
    ++Checks().failed;
    std::printf("FAIL %s\n", what.c_str());
  }
}

inline std::string Num(double v) {
  char b[64];
  std::snprintf(b, sizeof b, "%.6g", v);
  return b;
}

inline int64_t Voxels(const std::array<int64_t, 3>& s) { return s[0] * s[1] * s[2]; }

inline int FinishChecks() {
  std::printf("%d passed, %d failed\n", Checks().passed, Checks().failed);
  return Checks().failed == 0 ? 0 : 1;
}

}  // namespace pipe_test

// Minimal Node-free test harness: TEST(name) registers a case, CHECK(cond) records a located failure,
// RUN_TESTS() runs all (or those whose name contains argv[1]) and prints "N passed, M failed".
#pragma once

#include <cmath>
#include <cstdio>
#include <exception>
#include <functional>
#include <string>
#include <vector>

namespace pipe_test {

struct Case {
  std::string name;
  std::function<void()> body;
};
inline std::vector<Case>& Cases() {
  static std::vector<Case> cases;
  return cases;
}
inline int& Failures() {
  static int failures = 0;
  return failures;
}
struct Register {
  Register(const char* name, std::function<void()> body) { Cases().push_back({name, std::move(body)}); }
};

inline int RunAll(int argc, char** argv) {
  int passed = 0, failed = 0;
  for (const auto& c : Cases()) {
    if (argc > 1 && c.name.find(argv[1]) == std::string::npos) continue;
    const int before = Failures();
    std::printf("[ RUN  ] %s\n", c.name.c_str());
    std::fflush(stdout);
    try {
      c.body();
    } catch (const std::exception& e) {
      std::printf("  exception: %s\n", e.what());
      ++Failures();
    }
    if (Failures() == before) {
      ++passed;
      std::printf("[  OK  ] %s\n", c.name.c_str());
    } else {
      ++failed;
      std::printf("[ FAIL ] %s\n", c.name.c_str());
    }
    std::fflush(stdout);
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}

}  // namespace pipe_test

#define PIPE_TEST_CAT_(a, b) a##b
#define PIPE_TEST_CAT(a, b) PIPE_TEST_CAT_(a, b)
#define TEST(name)                                                                                             \
  static void PIPE_TEST_CAT(test_body_, __LINE__)();                                                           \
  static ::pipe_test::Register PIPE_TEST_CAT(test_reg_, __LINE__)(name, &PIPE_TEST_CAT(test_body_, __LINE__)); \
  static void PIPE_TEST_CAT(test_body_, __LINE__)()
#define CHECK(cond)                                                          \
  do {                                                                       \
    if (!(cond)) {                                                           \
      std::printf("  %s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++::pipe_test::Failures();                                             \
    }                                                                        \
  } while (0)
#define CHECK_NEAR(a, b, tol)                                                                                       \
  do {                                                                                                              \
    const double pipe_a_ = (a), pipe_b_ = (b);                                                                      \
    if (!(std::fabs(pipe_a_ - pipe_b_) <= (tol))) {                                                                 \
      std::printf("  %s:%d: CHECK_NEAR failed: %s = %.9g vs %s = %.9g (tol %g)\n", __FILE__, __LINE__, #a, pipe_a_, \
                  #b, pipe_b_, static_cast<double>(tol));                                                           \
      ++::pipe_test::Failures();                                                                                    \
    }                                                                                                               \
  } while (0)
#define CHECK_THROWS_WITH(stmt, substring)                                                                        \
  do {                                                                                                            \
    std::string pipe_msg_;                                                                                        \
    try {                                                                                                         \
      stmt;                                                                                                       \
    } catch (const std::exception& e) {                                                                           \
      pipe_msg_ = e.what();                                                                                       \
    }                                                                                                             \
    if (pipe_msg_.find(substring) == std::string::npos) {                                                         \
      std::printf("  %s:%d: expected an error containing \"%s\" but got \"%s\"\n", __FILE__, __LINE__, substring, \
                  pipe_msg_.c_str());                                                                             \
      ++::pipe_test::Failures();                                                                                  \
    }                                                                                                             \
  } while (0)
#define RUN_TESTS() \
  int main(int argc, char** argv) { return ::pipe_test::RunAll(argc, argv); }

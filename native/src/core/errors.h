// Error types the binding maps onto JS error codes (EPLAN_MISMATCH, ECHECKPOINT); everything else is a
// std::exception / c10::Error carrying LibTorch's message.
#pragma once

#include <stdexcept>
#include <string>

namespace pipe_core {

// A checkpoint's network plan differs from the requested one; what() names each differing field.
struct PlanMismatchError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A file that is not a (readable, current-format) pipe checkpoint.
struct CheckpointFormatError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace pipe_core

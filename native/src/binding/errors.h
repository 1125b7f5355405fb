// Maps C++ exceptions from core/ onto JS error codes and messages with hints:
//   EPLAN_MISMATCH (checkpoint vs plan, fields named), ECHECKPOINT (not a readable checkpoint), EINVALID (options),
//   ENATIVE_OOM (out of memory: names batch and patch, suggests smaller), ENATIVE_IO (a file write failed: the errno
//   by name, e.g. ENOSPC, and the file), ENATIVE (anything else, LibTorch's text).
#pragma once

#include <exception>
#include <string>

namespace pipe_binding {

struct NativeFailure {
  std::string code, message;
};

// Call inside a catch block. `oom_hint` is appended to out-of-memory messages.
NativeFailure DescribeCurrentException(const std::string& oom_hint);

}  // namespace pipe_binding

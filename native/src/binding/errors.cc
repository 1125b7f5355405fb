// Exception classification for the binding (see errors.h). No N-API here; the workers attach the code.
#include "binding/errors.h"

#include <c10/util/Exception.h>

#include <new>
#include <stdexcept>

#include "core/errors.h"

namespace pipe_binding {

namespace {

bool LooksLikeOom(const std::string& m) {
  return m.find("out of memory") != std::string::npos || m.find("OutOfMemory") != std::string::npos ||
         m.find("DefaultCPUAllocator: can't allocate memory") != std::string::npos ||
         m.find("DefaultCPUAllocator: not enough memory") != std::string::npos;
}

NativeFailure Classify(const std::string& message, const std::string& oom_hint) {
  if (LooksLikeOom(message)) return {"ENATIVE_OOM", message + "\n---> HINT: " + oom_hint};
  return {"ENATIVE", message};
}

}  // namespace

NativeFailure DescribeCurrentException(const std::string& oom_hint) {
  try {
    throw;
  } catch (const pipe_core::PlanMismatchError& e) {
    return {"EPLAN_MISMATCH", e.what()};
  } catch (const pipe_core::CheckpointFormatError& e) {
    return {"ECHECKPOINT", e.what()};
  } catch (const pipe_core::FileWriteError& e) {
    return {"ENATIVE_IO", std::string(e.what()) +
                              "\n---> HINT: nothing was left half-written; free space (or fix the filesystem) and run "
                              "the same command again: finished work is kept and training resumes from its last "
                              "complete checkpoint"};
  } catch (const std::invalid_argument& e) {
    return {"EINVALID", e.what()};
  } catch (const std::bad_alloc&) {
    return {"ENATIVE_OOM", std::string("out of host memory\n---> HINT: ") + oom_hint};
  } catch (const c10::Error& e) {
    return Classify(e.what_without_backtrace(), oom_hint);
  } catch (const std::exception& e) {
    return Classify(e.what(), oom_hint);
  } catch (...) {
    return {"ENATIVE", "unknown native exception"};
  }
}

}  // namespace pipe_binding

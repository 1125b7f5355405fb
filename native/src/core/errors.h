// Error types the binding maps onto JS error codes (EPLAN_MISMATCH, ECHECKPOINT, ENATIVE_IO); everything else is a
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

// A checkpoint file that is damaged: unreadable as an archive (truncated, emptied, overwritten) or whose content does
// not match its checksum (bytes flipped). what() names the file and says "damaged". A CheckpointFormatError too, so
// the binding reports it as ECHECKPOINT.
struct CheckpointDamagedError : CheckpointFormatError {
  using CheckpointFormatError::CheckpointFormatError;
};

// A file could not be written (disk full, I/O error, read-only filesystem, ...); what() starts with the errno's
// name ("ENOSPC: no space left on device (checkpoint …)") and names the file. No half-written file is left behind.
struct FileWriteError : std::runtime_error {
  FileWriteError(const std::string& message, int error_number)
      : std::runtime_error(message), error_number(error_number) {}
  int error_number;
};

}  // namespace pipe_core

// Whole-file writes that land complete under their final name or not at all: checked POSIX writes to
// "<path>.tmp", fsync, close, rename, fsync of the folder. Any failure (ENOSPC, EIO, EROFS, EDQUOT, ...) removes the
// temp file and throws FileWriteError naming the errno, what was being written and the path; whatever the final
// name held before stays as it was. Not for streaming: the caller holds the whole content in memory.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pipe_core {

// "ENOSPC", "EIO", "EROFS", ... for the errors a write or rename reports ("errno N" for any other).
std::string ErrnoName(int error_number);

// Writes `parts` one after the other as the new content of `path`. `what` names the file for the error message
// ("checkpoint", "npy array").
void WriteFileAtomically(const std::string& path, const std::string& what, const std::vector<std::string_view>& parts);

}  // namespace pipe_core

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
// ("checkpoint", "npy array"). With `keep_previous`, the file `path` held until now is kept under that name (renamed
// just before the new content takes its place; a crash in between leaves the previous file and the complete temp).
// New files get mode 0666 less the umask, like any file the process creates.
void WriteFileAtomically(const std::string& path, const std::string& what, const std::vector<std::string_view>& parts,
                         const std::string& keep_previous = "");

}  // namespace pipe_core

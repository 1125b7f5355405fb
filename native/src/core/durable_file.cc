// Checked atomic whole-file writes (see durable_file.h).
#include "core/durable_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/errors.h"

namespace pipe_core {

namespace {

std::string Parent(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
}

// "ENOSPC: no space left on device (checkpoint /store/work/k/run/checkpoint_latest.pt)".
[[noreturn]] void Fail(int error_number, const std::string& what, const std::string& path, const std::string& step) {
  std::string text = std::strerror(error_number);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  throw FileWriteError(ErrnoName(error_number) + ": " + text + " (" + what + " " + path + ", " + step + ")",
                       error_number);
}

// Closes and removes the temp file, then reports `error_number` (saved before the cleanup could change errno).
[[noreturn]] void Abandon(int fd, const std::string& tmp, int error_number, const std::string& what,
                          const std::string& path, const std::string& step) {
  if (fd >= 0) ::close(fd);
  ::unlink(tmp.c_str());
  Fail(error_number, what, path, step);
}

// write(2) until all of `bytes` is out; returns 0 or the errno of the failing call.
int WriteAll(int fd, std::string_view bytes) {
  const char* p = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return EIO;  // a regular file that accepts nothing and reports no error: treat it as an I/O error
    p += n;
    left -= static_cast<size_t>(n);
  }
  return 0;
}

}  // namespace

std::string ErrnoName(int error_number) {
  // A table rather than glibc's strerrorname_np (2.32+), which older CUDA images lack.
  struct Named {
    int number;
    const char* name;
  };
  static constexpr Named kNames[] = {
      {ENOSPC, "ENOSPC"}, {EDQUOT, "EDQUOT"}, {EIO, "EIO"},       {EROFS, "EROFS"},     {EFBIG, "EFBIG"},
      {EACCES, "EACCES"}, {EPERM, "EPERM"},   {ENOENT, "ENOENT"}, {ENOTDIR, "ENOTDIR"}, {EISDIR, "EISDIR"},
      {EXDEV, "EXDEV"},   {EMFILE, "EMFILE"}, {ENFILE, "ENFILE"}, {ENOMEM, "ENOMEM"},   {ENAMETOOLONG, "ENAMETOOLONG"},
      {ESTALE, "ESTALE"}, {EINVAL, "EINVAL"}};
  for (const auto& n : kNames)
    if (n.number == error_number) return n.name;
  return "errno " + std::to_string(error_number);
}

void WriteFileAtomically(const std::string& path, const std::string& what, const std::vector<std::string_view>& parts,
                         const std::string& keep_previous) {
  const std::string tmp = path + ".tmp";
  // 0666: the umask decides (a store shared by a group, umask 0002, stays group-writable).
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) Fail(errno, what, path, "creating " + tmp);
  for (const auto& part : parts) {
    const int e = WriteAll(fd, part);
    if (e != 0) Abandon(fd, tmp, e, what, path, "writing " + tmp);
  }
  // Delayed write-back errors (EIO, ENOSPC on NFS, ...) surface here or at close, not at write.
  if (::fsync(fd) != 0) Abandon(fd, tmp, errno, what, path, "fsync of " + tmp);
  if (::close(fd) != 0) Abandon(-1, tmp, errno, what, path, "closing " + tmp);
  if (!keep_previous.empty() && std::rename(path.c_str(), keep_previous.c_str()) != 0 && errno != ENOENT)
    Abandon(-1, tmp, errno, what, path, "keeping the previous file as " + keep_previous);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) Abandon(-1, tmp, errno, what, path, "renaming " + tmp);
  // The new name is in place; making the folder entry durable is best effort (a crash now keeps the old content).
  const int dir = ::open(Parent(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

}  // namespace pipe_core

// Native writes under faults: a checkpoint or npy write that cannot complete (file-size limit, full tmpfs, read-only
// filesystem) must throw FileWriteError naming the errno and the file, leave no temp file, and keep the previous
// content under the final name; the same save succeeds once the fault is gone. The tmpfs cases need mount(2)
// (root); without it they say so and check nothing. Every case first showed the old code's faults: SIGABRT
// ("unexpected pos … vs …") from LibTorch's file writer, and "write failed" without the errno from the npy writer.
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <fstream>
#include <iterator>
#include <memory>

#include "check.h"
#include "core/checkpoint.h"
#include "core/durable_file.h"
#include "core/unetpp.h"
#include "core/errors.h"
#include "core/npy.h"
#include "phantom.h"

namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool Exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

int64_t SizeOf(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : -1;
}

struct Model {
  pipe_core::UNetPlusPlus net{pipe_test::TinyNetwork()};
  std::unique_ptr<torch::optim::SGD> optimizer = std::make_unique<torch::optim::SGD>(
      net->parameters(), torch::optim::SGDOptions(0.01).momentum(0.99).nesterov(true));
  pipe_core::TrainState state;
  pipe_core::CheckpointMeta meta;

  void Save(const std::string& path, int64_t epoch) {
    state.epoch = epoch;
    meta.kind = "latest";
    pipe_core::SaveCheckpoint(path, *net, optimizer.get(), state, meta);
  }
};

// The error message of `f` ("" when it does not throw FileWriteError; other exceptions propagate).
template <typename F>
std::string WriteErrorOf(F f) {
  try {
    f();
  } catch (const pipe_core::FileWriteError& e) {
    return e.what();
  }
  return "";
}

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// RLIMIT_FSIZE for this process while in scope; SIGXFSZ ignored so that writes past it fail with EFBIG.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &saved_);
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit limit = saved_;
    limit.rlim_cur = bytes;
    ::setrlimit(RLIMIT_FSIZE, &limit);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, old_handler_);
  }

 private:
  rlimit saved_{};
  void (*old_handler_)(int) = SIG_DFL;
};

// A small tmpfs for the test's lifetime. It is detached right after mounting and reached through an open folder
// descriptor (/proc/self/fd/N), so it vanishes with the process even if a test aborts. mount(2) needs root: ok() is
// false without it.
class ScopedTmpfs {
 public:
  ScopedTmpfs(const std::string& tag, const std::string& options, unsigned long flags = 0) {
    const std::string mount_point = pipe_test::TempDir(tag);
    if (::mount("tmpfs", mount_point.c_str(), "tmpfs", flags, options.c_str()) != 0) {
      std::printf("  skipped: cannot mount a tmpfs (%s; needs root)\n", std::strerror(errno));
    } else {
      fd_ = ::open(mount_point.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      ::umount2(mount_point.c_str(), MNT_DETACH);
    }
    ::rmdir(mount_point.c_str());
  }
  ~ScopedTmpfs() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return fd_ >= 0; }
  std::string dir() const { return "/proc/self/fd/" + std::to_string(fd_); }

 private:
  int fd_ = -1;
};

}  // namespace

TEST("ErrnoName names the errors a write reports") {
  CHECK(pipe_core::ErrnoName(ENOSPC) == "ENOSPC");
  CHECK(pipe_core::ErrnoName(EIO) == "EIO");
  CHECK(pipe_core::ErrnoName(EROFS) == "EROFS");
  CHECK(pipe_core::ErrnoName(EDQUOT) == "EDQUOT");
}

TEST("a checkpoint write that fails (file-size limit) throws EFBIG, keeps the previous checkpoint, no temp file") {
  const std::string dir = pipe_test::TempDir("durable-fsize");
  const std::string path = dir + "/checkpoint_latest.pt";
  Model m;
  m.Save(path, 1);
  const std::string before = Slurp(path);
  CHECK(!before.empty());
  std::string error;
  {
    FileSizeLimit limit(static_cast<rlim_t>(before.size() / 2));
    error = WriteErrorOf([&] { m.Save(path, 2); });
  }
  std::printf("  error: %s\n", error.c_str());
  CHECK(Contains(error, "EFBIG: file too large (checkpoint " + path));
  CHECK(!Exists(path + ".tmp"));
  CHECK(Slurp(path) == before);
  CHECK(pipe_core::ReadCheckpointInfo(path).state.epoch == 1);
  // The fault gone, the same save goes through.
  m.Save(path, 2);
  CHECK(pipe_core::ReadCheckpointInfo(path).state.epoch == 2);
  ::unlink(path.c_str());
  ::rmdir(dir.c_str());
}

TEST("a checkpoint write on a full tmpfs throws ENOSPC naming the file, keeps the previous checkpoint") {
  Model m;
  const std::string probe_dir = pipe_test::TempDir("durable-probe");
  m.Save(probe_dir + "/probe.pt", 1);
  const int64_t size = SizeOf(probe_dir + "/probe.pt");
  ::unlink((probe_dir + "/probe.pt").c_str());
  ::rmdir(probe_dir.c_str());
  // Room for one checkpoint and a half: the first save fits, the second one's temp file does not.
  const ScopedTmpfs fs("durable-tmpfs", "size=" + std::to_string(size + size / 2));
  if (!fs.ok()) return;
  const std::string path = fs.dir() + "/checkpoint_latest.pt";
  m.Save(path, 1);
  const std::string before = Slurp(path);
  const std::string error = WriteErrorOf([&] { m.Save(path, 2); });
  std::printf("  error: %s\n", error.c_str());
  CHECK(Contains(error, "ENOSPC: no space left on device (checkpoint " + path));
  CHECK(!Exists(path + ".tmp"));
  CHECK(Slurp(path) == before);
  // Space freed (the old checkpoint removed), the next save succeeds.
  ::unlink(path.c_str());
  m.Save(path, 2);
  CHECK(pipe_core::ReadCheckpointInfo(path).state.epoch == 2);
}

TEST("a write on a read-only filesystem throws EROFS naming the file") {
  const ScopedTmpfs fs("durable-rofs", "size=64k", MS_RDONLY);
  if (!fs.ok()) return;
  Model m;
  const std::string path = fs.dir() + "/checkpoint_latest.pt";
  const std::string error = WriteErrorOf([&] { m.Save(path, 1); });
  std::printf("  error: %s\n", error.c_str());
  CHECK(Contains(error, "EROFS: read-only file system (checkpoint " + path));
  CHECK(!Exists(path));
}

TEST("an npy write that fails names the errno and the file and leaves nothing behind") {
  const std::string dir = pipe_test::TempDir("durable-npy");
  const std::string path = dir + "/a.npy";
  const std::vector<float> v(4096, 1.5f);
  std::string error;
  {
    FileSizeLimit limit(1024);
    error = WriteErrorOf([&] { pipe_core::WriteNpy(path, "<f4", {4096}, v.data(), sizeof(float)); });
  }
  std::printf("  error: %s\n", error.c_str());
  CHECK(Contains(error, "EFBIG: file too large (npy array " + path));
  CHECK(!Exists(path));
  CHECK(!Exists(path + ".tmp"));
  pipe_core::WriteNpy(path, "<f4", {4096}, v.data(), sizeof(float));
  CHECK(pipe_core::NpyFile(path).numel() == 4096);
  ::unlink(path.c_str());
  ::rmdir(dir.c_str());
}

RUN_TESTS()

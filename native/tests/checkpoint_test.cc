// Node-free tests of checkpoint integrity (issue 23, item 6): identical trainings write identical bytes (the
// optimizer state in a fixed order, not keyed by tensor addresses), and a damaged file (bytes flipped, truncated,
// emptied, replaced by random bytes) is refused by its checksum with an error naming the file, never loaded as a
// different model. A new latest keeps the one it replaces; a version-2 file (fixtures/checkpoint_v2_tiny.pt, the tiny
// network's latest after epoch 1, written by the code before checksums) still loads, with no checksum to check.
#include "core/checkpoint.h"

#include <torch/torch.h>
#include <unistd.h>

#include <climits>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

#include "check.h"
#include "core/errors.h"
#include "core/trainer.h"
#include "phantom.h"

namespace {

pipe_core::TrainOptions TinyTraining(const std::string& dir, const std::vector<pipe_core::CaseSource>& cases) {
  pipe_core::TrainOptions o;
  o.network = pipe_test::TinyNetwork();
  o.train_cases = {cases[0], cases[1]};
  o.val_cases = {cases[1]};
  o.out_dir = dir;
  o.batch_size = 2;
  o.patch = {16, 16, 16};
  o.epochs = 2;
  o.iterations_per_epoch = 2;
  o.val_iterations = 1;
  o.threads = 1;
  o.seed = 11;
  o.checkpoint_every = 1;
  return o;
}

std::string Bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void Write(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A trained tiny checkpoint (final, with the optimizer state) in a fresh folder.
std::string TrainedCheckpoint(const std::string& tag) {
  const std::string data = pipe_test::TempDir(tag + "-data");
  const auto cases = std::vector<pipe_core::CaseSource>{pipe_test::WritePhantom(data, "a", 24, 1),
                                                        pipe_test::WritePhantom(data, "b", 24, 2)};
  const std::string dir = pipe_test::TempDir(tag);
  pipe_core::Train(TinyTraining(dir, cases), nullptr, nullptr);
  return dir + "/checkpoint_final.pt";
}

// What reading a damaged file says, or "" when it loads.
std::string RefusalOf(const std::string& path) {
  try {
    pipe_core::ReadCheckpointInfo(path);
    pipe_core::LoadModel(path, torch::kCPU);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

// native/tests/fixtures/<name>: __FILE__ is absolute, or relative to the build folder, where the test executable is.
std::string Fixture(const std::string& name) {
  std::string source = __FILE__;
  if (source.empty() || source[0] != '/') {
    char exe[PATH_MAX] = {0};
    const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
    std::string dir = n > 0 ? std::string(exe, static_cast<size_t>(n)) : std::string(".");
    dir = dir.substr(0, dir.find_last_of('/'));
    source = dir + "/" + source;
  }
  return source.substr(0, source.find_last_of('/')) + "/fixtures/" + name;
}

}  // namespace

TEST("two identical tiny trainings write byte-identical checkpoints (latest and final)") {
  const std::string data = pipe_test::TempDir("same-bytes-data");
  const auto cases = std::vector<pipe_core::CaseSource>{pipe_test::WritePhantom(data, "a", 24, 1),
                                                        pipe_test::WritePhantom(data, "b", 24, 2)};
  const std::string d1 = pipe_test::TempDir("same-bytes-1"), d2 = pipe_test::TempDir("same-bytes-2");
  pipe_core::Train(TinyTraining(d1, cases), nullptr, nullptr);
  pipe_core::Train(TinyTraining(d2, cases), nullptr, nullptr);
  for (const char* name : {"checkpoint_final.pt", "checkpoint_latest.pt"}) {
    const std::string a = Bytes(d1 + "/" + name), b = Bytes(d2 + "/" + name);
    std::printf("  %s: %zu and %zu bytes, %s\n", name, a.size(), b.size(), a == b ? "identical" : "different");
    CHECK(!a.empty() && a == b);
  }
}

TEST("4 KB of flipped bytes inside a checkpoint are refused by its checksum, naming the file") {
  const std::string path = TrainedCheckpoint("flipped");
  std::string bytes = Bytes(path);
  CHECK(bytes.size() > 16384);
  const size_t from = bytes.size() / 2 - 2048;
  for (size_t i = from; i < from + 4096; ++i) bytes[i] = static_cast<char>(bytes[i] ^ 0x5a);
  Write(path, bytes);
  const std::string why = RefusalOf(path);
  std::printf("  refusal: %s\n", why.c_str());
  CHECK(why.find(path) != std::string::npos);
  CHECK(why.find("damaged") != std::string::npos);
}

TEST("a truncated, an empty and a random-bytes checkpoint are refused, each naming the file") {
  const std::string path = TrainedCheckpoint("truncated");
  const std::string bytes = Bytes(path);
  std::mt19937 rng(5);
  std::string noise(bytes.size(), '\0');
  for (auto& c : noise) c = static_cast<char>(rng() & 0xff);
  for (const std::string& content : {bytes.substr(0, bytes.size() / 3), std::string(), noise}) {
    Write(path, content);
    const std::string why = RefusalOf(path);
    std::printf("  %zu bytes: %s\n", content.size(), why.c_str());
    CHECK(why.find(path) != std::string::npos);
    CHECK(why.find("damaged") != std::string::npos);
  }
}

TEST("a new latest keeps the one it replaces as checkpoint_latest.prev.pt; best and final keep nothing") {
  const std::string dir = pipe_test::TempDir("previous");
  pipe_core::UNetPlusPlus net(pipe_test::TinyNetwork());
  torch::optim::SGD sgd(net->parameters(), torch::optim::SGDOptions(0.01).momentum(0.99));
  pipe_core::TrainState state;
  pipe_core::CheckpointMeta meta;
  CHECK(pipe_core::PreviousCheckpointPath(dir + "/checkpoint_latest.pt") == dir + "/checkpoint_latest.prev.pt");
  for (int64_t epoch : {1, 2, 3}) {
    state.epoch = epoch;
    meta.kind = "latest";
    pipe_core::SaveCheckpoint(dir + "/checkpoint_latest.pt", *net, &sgd, state, meta);
  }
  CHECK(pipe_core::ReadCheckpointInfo(dir + "/checkpoint_latest.pt").state.epoch == 3);
  CHECK(pipe_core::ReadCheckpointInfo(dir + "/checkpoint_latest.prev.pt").state.epoch == 2);
  meta.kind = "final";
  pipe_core::SaveCheckpoint(dir + "/checkpoint_final.pt", *net, &sgd, state, meta);
  pipe_core::SaveCheckpoint(dir + "/checkpoint_final.pt", *net, &sgd, state, meta);
  CHECK(::access((dir + "/checkpoint_final.prev.pt").c_str(), F_OK) != 0);
}

TEST("a version 2 checkpoint (before checksums) still loads, with an empty checksum, and resumes") {
  const std::string path = Fixture("checkpoint_v2_tiny.pt");
  const auto info = pipe_core::ReadCheckpointInfo(path);
  CHECK(info.format_version == 2 && info.checksum.empty());
  CHECK(info.state.epoch == 1 && info.meta.kind == "latest");
  pipe_core::UNetPlusPlus net(info.plan);
  torch::optim::SGD sgd(net->parameters(), torch::optim::SGDOptions(0.01).momentum(0.99).nesterov(true));
  pipe_core::LoadCheckpoint(path, *net, &sgd, torch::kCPU);
  CHECK(sgd.state().size() == net->parameters().size());
  const auto current = pipe_core::ReadCheckpointInfo(TrainedCheckpoint("v3"));
  CHECK(current.format_version == pipe_core::kCheckpointVersion && current.checksum.rfind("crc64:", 0) == 0);
}

RUN_TESTS()

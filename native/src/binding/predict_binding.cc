// predictVolume(options, onTiles?) -> Promise<{shape, labels?, probabilities?}> and readCheckpointInfo(path) ->
// Promise<info>: AsyncWorkers (short calls). The input volume is read in place (a reference keeps it alive); results
// are handed to JS as external ArrayBuffers owning the tensors, so a CT-sized result is never copied. Predictions are
// serialised through one mutex, which also guards the cached model (reloaded when the checkpoint path, mtime or
// device change). onTiles({done, total}) gets core's tile progress through the worker's ThreadSafeFunction
// (node-addon-api's AsyncProgressQueueWorker): the first and last report always, others at most once a second, and
// every report reaches JS before the promise settles.
#include <sys/stat.h>

#include <chrono>
#include <memory>
#include <mutex>

#include "binding/args.h"
#include "binding/convert.h"
#include "binding/errors.h"
#include "binding/registry.h"
#include "core/device.h"
#include "core/npy.h"

namespace {

// A promise-returning worker over Base (Napi::AsyncWorker or a progress worker) that rejects with core's error code.
template <typename Base>
class PipeWorker : public Base {
 public:
  explicit PipeWorker(Napi::Env env) : Base(env), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Fail(const std::string& hint) {
    failure_ = pipe_binding::DescribeCurrentException(hint);
    this->SetError(failure_.message);
  }
  void OnError(const Napi::Error& e) override {
    Napi::Error err = Napi::Error::New(this->Env(), failure_.message.empty() ? e.Message() : failure_.message);
    err.Set("code", failure_.code.empty() ? "ENATIVE" : failure_.code);
    deferred_.Reject(err.Value());
  }
  Napi::Promise::Deferred deferred_;
  pipe_binding::NativeFailure failure_;
};

// Passes on the first and the last tile report and otherwise at most one per interval: a tile takes milliseconds
// on a GPU, and JS needs no more than a report a second.
class TileThrottle {
 public:
  explicit TileThrottle(std::chrono::milliseconds interval) : interval_(interval) {}
  bool Due(const pipe_core::TileProgress& p) {
    const auto now = std::chrono::steady_clock::now();
    if (p.done != 0 && p.done != p.total && now - last_ < interval_) return false;
    last_ = now;
    return true;
  }

 private:
  std::chrono::milliseconds interval_;
  std::chrono::steady_clock::time_point last_{};
};

struct ModelCache {
  std::mutex mutex;
  std::string path, device;
  int64_t mtime = 0;
  pipe_core::SegmentationNetwork net{nullptr};
  pipe_core::CheckpointInfo info;
};
ModelCache& Cache() {
  static ModelCache cache;
  return cache;
}

int64_t Mtime(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec : -1;
}

// predictVolume's arguments, read and checked on the JS thread before a worker exists (a progress worker owns a
// ThreadSafeFunction, so it must not be torn down half-built by a throwing constructor).
struct PredictArgs {
  pipe_core::PredictOptions options;
  std::string checkpoint, data_path;
  Napi::ObjectReference volume_ref;
  float* volume_data = nullptr;
  size_t volume_len = 0;
  std::vector<int64_t> shape;
  Napi::FunctionReference on_tiles;
};

PredictArgs ReadPredictArgs(Napi::Env env, const Napi::Object& o, const Napi::Value& on_tiles) {
  PredictArgs a;
  if (!on_tiles.IsUndefined()) {
    if (!on_tiles.IsFunction())
      pipe_binding::ThrowExpected(env, "a function", pipe_binding::ArgumentName("predictVolume", 1, "onTiles"),
                                  on_tiles);
    a.on_tiles = Napi::Persistent(on_tiles.As<Napi::Function>());
  }
  a.options = pipe_binding::ToPredictOptions(o);
  a.checkpoint = pipe_binding::GetString(o, "checkpoint");
  Napi::Value volume = o.Get("volume");
  if (!volume.IsUndefined()) {
    const auto view = pipe_binding::ReadFloat32Array(volume, "volume");
    a.volume_ref = Napi::Persistent(volume.As<Napi::Object>());
    const Napi::Value shape = o.Get("shape");
    if (!shape.IsArray() || shape.As<Napi::Array>().Length() != 4)
      pipe_binding::ThrowExpected(env, "[C, Z, Y, X]", "shape", shape);
    for (uint32_t i = 0; i < 4; ++i)
      a.shape.push_back(pipe_binding::ReadInt(shape.As<Napi::Array>().Get(i), "shape[" + std::to_string(i) + "]"));
    a.volume_data = view.data;
    a.volume_len = view.length;
  } else {
    a.data_path = pipe_binding::GetString(o, "dataPath");
  }
  return a;
}

using TileWorker = Napi::AsyncProgressQueueWorker<pipe_core::TileProgress>;

class PredictWorker : public PipeWorker<TileWorker> {
 public:
  PredictWorker(Napi::Env env, PredictArgs args)
      : PipeWorker(env),
        options_(std::move(args.options)),
        on_tiles_(std::move(args.on_tiles)),
        report_tiles_(!on_tiles_.IsEmpty()),
        checkpoint_(std::move(args.checkpoint)),
        data_path_(std::move(args.data_path)),
        volume_ref_(std::move(args.volume_ref)),
        volume_data_(args.volume_data),
        volume_len_(args.volume_len),
        shape_(std::move(args.shape)) {}

  void Execute(const ExecutionProgress& progress) override {
    try {
      std::lock_guard<std::mutex> lock(Cache().mutex);
      pipe_core::SetThreads(options_.threads);
      const torch::Device device = pipe_core::ParseDevice(options_.device);
      pipe_core::EnableConvAutotuning(device);
      ModelCache& c = Cache();
      const int64_t mtime = Mtime(checkpoint_);
      if (!c.net || c.path != checkpoint_ || c.mtime != mtime || c.device != device.str()) {
        c.net = nullptr;
        c.net = pipe_core::LoadModel(checkpoint_, device, &c.info);
        c.path = checkpoint_;
        c.mtime = mtime;
        c.device = device.str();
      }
      if (options_.patch[0] <= 0) options_.patch = c.info.meta.patch;
      torch::Tensor volume;
      std::unique_ptr<pipe_core::NpyFile> npy;
      if (volume_data_) {
        int64_t n = 1;
        for (int64_t s : shape_) n *= s;
        if (n != static_cast<int64_t>(volume_len_))
          throw std::invalid_argument("Expected shape to match volume's length " + std::to_string(volume_len_));
        volume = torch::from_blob(volume_data_, shape_, torch::kFloat);
      } else {
        npy = std::make_unique<pipe_core::NpyFile>(data_path_);
        if (npy->descr() != "<f4" || npy->shape().size() != 4)
          throw std::invalid_argument(data_path_ + ": Expected a float32 (C, Z, Y, X) array");
        volume = torch::from_blob(const_cast<void*>(npy->data()), npy->shape(), torch::kFloat);
      }
      pipe_core::TileProgressFn on_tiles;
      if (report_tiles_) {
        on_tiles = [&progress,
                    throttle = TileThrottle(std::chrono::seconds(1))](const pipe_core::TileProgress& p) mutable {
          if (throttle.Due(p)) progress.Send(&p, 1);
        };
      }
      torch::Tensor probs = pipe_core::PredictProbabilities(*c.net, volume, options_, device, on_tiles);
      shape_ = {probs.size(0), probs.size(1), probs.size(2), probs.size(3)};
      if (options_.output != "probabilities") labels_ = probs.argmax(0).to(torch::kByte).contiguous();
      if (options_.output != "labels") probs_ = probs;
    } catch (...) {
      Fail("predicting with patch " + std::to_string(options_.patch[0]) + "x" + std::to_string(options_.patch[1]) +
           "x" + std::to_string(options_.patch[2]) + " and tileBatch " + std::to_string(options_.tile_batch) + " on " +
           options_.device + " does not fit; use tileBatch 1, amp on CUDA, or a smaller patchSize");
    }
  }

  void OnProgress(const pipe_core::TileProgress* p, size_t count) override {
    if (on_tiles_.IsEmpty() || p == nullptr || count == 0) return;
    Napi::Env env = Env();
    try {
      auto event = Napi::Object::New(env);
      event.Set("done", Napi::Number::New(env, static_cast<double>(p->done)));
      event.Set("total", Napi::Number::New(env, static_cast<double>(p->total)));
      on_tiles_.Call({event});
    } catch (const Napi::Error&) {
      // A throwing JS handler must not unwind into libuv; src/native/addon catches handler errors itself.
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    auto out = Napi::Object::New(env);
    auto shape = Napi::Array::New(env, 4);
    for (uint32_t i = 0; i < 4; ++i) shape.Set(i, Napi::Number::New(env, static_cast<double>(shape_[i])));
    out.Set("shape", shape);
    if (labels_.defined()) out.Set("labels", External<Napi::Uint8Array>(env, labels_));
    if (probs_.defined()) out.Set("probabilities", External<Napi::Float32Array>(env, probs_));
    deferred_.Resolve(out);
  }

 private:
  template <typename ArrayT>
  static ArrayT External(Napi::Env env, const torch::Tensor& t) {
    auto* owner = new torch::Tensor(t);
    auto buffer = Napi::ArrayBuffer::New(
        env, owner->data_ptr(), owner->nbytes(), [](Napi::Env, void*, torch::Tensor* held) { delete held; }, owner);
    return ArrayT::New(env, static_cast<size_t>(t.numel()), buffer, 0);
  }

  pipe_core::PredictOptions options_;
  Napi::FunctionReference on_tiles_;
  bool report_tiles_;  // read on the worker thread (on_tiles_ itself is touched on the JS thread only)
  std::string checkpoint_, data_path_;
  Napi::ObjectReference volume_ref_;
  float* volume_data_ = nullptr;
  size_t volume_len_ = 0;
  std::vector<int64_t> shape_;
  torch::Tensor labels_, probs_;
};

class CheckpointInfoWorker : public PipeWorker<Napi::AsyncWorker> {
 public:
  CheckpointInfoWorker(Napi::Env env, std::string path) : PipeWorker(env), path_(std::move(path)) {}
  void Execute() override {
    try {
      info_ = pipe_core::ReadCheckpointInfo(path_);
    } catch (...) {
      Fail("reading a checkpoint needs little memory; is the file a pipe checkpoint?");
    }
  }
  void OnOK() override { deferred_.Resolve(pipe_binding::FromCheckpointInfo(Env(), info_)); }

 private:
  std::string path_;
  pipe_core::CheckpointInfo info_;
};

Napi::Value PredictVolume(const Napi::CallbackInfo& info) {
  const Napi::Object options =
      pipe_binding::ReadObject(info[0], pipe_binding::ArgumentName("predictVolume", 0, "options"));
  auto* worker = new PredictWorker(info.Env(), ReadPredictArgs(info.Env(), options, info[1]));
  worker->Queue();
  return worker->Promise();
}

Napi::Value ReadCheckpointInfo(const Napi::CallbackInfo& info) {
  const std::string path =
      pipe_binding::ReadString(info[0], pipe_binding::ArgumentName("readCheckpointInfo", 0, "path"));
  auto* worker = new CheckpointInfoWorker(info.Env(), path);
  worker->Queue();
  return worker->Promise();
}

}  // namespace

PIPE_NATIVE_EXPORT("predictVolume", PredictVolume);
PIPE_NATIVE_EXPORT("readCheckpointInfo", ReadCheckpointInfo);

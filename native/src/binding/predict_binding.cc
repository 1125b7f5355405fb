// predictVolume(options) -> Promise<{shape, labels?, probabilities?}> and readCheckpointInfo(path) -> Promise<info>:
// AsyncWorkers (short calls). The input volume is read in place (a reference keeps it alive); results are handed to
// JS as external ArrayBuffers owning the tensors, so a CT-sized result is never copied. Predictions are serialised
// through one mutex, which also guards the cached model (reloaded when the checkpoint path, mtime or device change).
#include <sys/stat.h>

#include <memory>
#include <mutex>

#include "binding/args.h"
#include "binding/convert.h"
#include "binding/errors.h"
#include "binding/registry.h"
#include "core/device.h"
#include "core/npy.h"

namespace {

class PipeWorker : public Napi::AsyncWorker {
 public:
  explicit PipeWorker(Napi::Env env) : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Fail(const std::string& hint) {
    failure_ = pipe_binding::DescribeCurrentException(hint);
    SetError(failure_.message);
  }
  void OnError(const Napi::Error& e) override {
    Napi::Error err = Napi::Error::New(Env(), failure_.message.empty() ? e.Message() : failure_.message);
    err.Set("code", failure_.code.empty() ? "ENATIVE" : failure_.code);
    deferred_.Reject(err.Value());
  }
  Napi::Promise::Deferred deferred_;
  pipe_binding::NativeFailure failure_;
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

class PredictWorker : public PipeWorker {
 public:
  PredictWorker(Napi::Env env, const Napi::Object& o) : PipeWorker(env) {
    options_ = pipe_binding::ToPredictOptions(o);
    checkpoint_ = pipe_binding::GetString(o, "checkpoint");
    Napi::Value volume = o.Get("volume");
    if (!volume.IsUndefined()) {
      const auto view = pipe_binding::ReadFloat32Array(volume, "volume");
      volume_ref_ = Napi::Persistent(volume.As<Napi::Object>());
      const Napi::Value shape = o.Get("shape");
      if (!shape.IsArray() || shape.As<Napi::Array>().Length() != 4)
        pipe_binding::ThrowExpected(env, "[C, Z, Y, X]", "shape", shape);
      for (uint32_t i = 0; i < 4; ++i)
        shape_.push_back(pipe_binding::ReadInt(shape.As<Napi::Array>().Get(i), "shape[" + std::to_string(i) + "]"));
      volume_data_ = view.data;
      volume_len_ = view.length;
    } else {
      data_path_ = pipe_binding::GetString(o, "dataPath");
    }
  }

  void Execute() override {
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
      torch::Tensor probs = pipe_core::PredictProbabilities(*c.net, volume, options_, device);
      shape_ = {probs.size(0), probs.size(1), probs.size(2), probs.size(3)};
      if (options_.output != "probabilities") labels_ = probs.argmax(0).to(torch::kByte).contiguous();
      if (options_.output != "labels") probs_ = probs;
    } catch (...) {
      Fail("predicting with patch " + std::to_string(options_.patch[0]) + "x" + std::to_string(options_.patch[1]) +
           "x" + std::to_string(options_.patch[2]) + " and tileBatch " + std::to_string(options_.tile_batch) + " on " +
           options_.device + " does not fit; use tileBatch 1, amp on CUDA, or a smaller patchSize");
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
  std::string checkpoint_, data_path_;
  Napi::ObjectReference volume_ref_;
  float* volume_data_ = nullptr;
  size_t volume_len_ = 0;
  std::vector<int64_t> shape_;
  torch::Tensor labels_, probs_;
};

class CheckpointInfoWorker : public PipeWorker {
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
  auto* worker = new PredictWorker(info.Env(), options);
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

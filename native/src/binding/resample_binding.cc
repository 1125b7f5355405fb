// N-API surface of the resampling kernels (core/resample.h). Results are JS-allocated typed arrays, so that
// releaseBuffer (preprocess_binding.cc) frees them at once.
//
// resampleImage(data: Float32Array | Int16Array, shape, newShape, nearestAxis, threads, order = 3,
//               release = false): Promise<Float32Array>
//   With `release`, data's buffer is detached (freed) as soon as the resampling no longer reads it: between the
//   two steps of pipe_core::ImageResampling when there are two, else when done. The caller must not use `data`
//   (or another view of its buffer) afterwards. Without it, data is left as it was.
// resampleLabels(seg: Int8Array, shape, newShape, nearestAxis, threads): Promise<Int8Array>
#include <memory>
#include <string>

#include "binding/args.h"
#include "binding/promise_worker.h"
#include "binding/registry.h"
#include "core/resample.h"

namespace {

using pipe_binding::ArgumentName;
using pipe_binding::ThrowExpected;
using pipe_core::Shape3;

constexpr int32_t kMaxThreads = 1 << 16;

int64_t Voxels(const Shape3& s) { return s[0] * s[1] * s[2]; }

void CheckLength(const Napi::Value& values, size_t length, int64_t voxels, const std::string& name) {
  if (static_cast<int64_t>(length) != voxels)
    ThrowExpected(values.Env(), std::to_string(voxels) + " elements (the product of shape)", name, values);
}

// One resampleImage call: its promise, the input, the output once allocated, and the two-step state.
struct ImageJob {
  Napi::Promise::Deferred deferred;
  Napi::ObjectReference input;
  Napi::Reference<Napi::Float32Array> output;
  pipe_binding::VoxelView src;
  float* out = nullptr;
  std::unique_ptr<pipe_core::ImageResampling> resampling;
  Shape3 new_shape;
  int threads = 1;
  bool release = false;
  explicit ImageJob(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}
};

// The output array, JS-allocated (zero pages until written).
void AllocateOutput(Napi::Env env, ImageJob& job) {
  Napi::Float32Array out = Napi::Float32Array::New(env, static_cast<size_t>(Voxels(job.new_shape)));
  job.out = out.Data();
  job.output = Napi::Persistent(out);
}

// Step 1 (Start) or 2 (Finish) of a job, on a libuv worker; the next step is queued from the main thread.
class ImageStep : public Napi::AsyncWorker {
 public:
  ImageStep(Napi::Env env, std::shared_ptr<ImageJob> job, bool finish)
      : Napi::AsyncWorker(env, finish ? "resampleImage (finish)" : "resampleImage"),
        job_(std::move(job)),
        finish_(finish) {
    if (!finish_) in_use_ = pipe_binding::BufferData(job_->input.Value());
    if (in_use_) pipe_binding::BuffersInUse().insert(in_use_);
  }
  ~ImageStep() override {
    if (in_use_) pipe_binding::BuffersInUse().erase(pipe_binding::BuffersInUse().find(in_use_));
  }
  void Execute() override {
    try {
      ImageJob& j = *job_;
      if (finish_) {
        j.resampling->Finish(j.out, j.threads);
      } else if (j.src.f32.data) {
        j.resampling->Start(j.src.f32.data, j.out, j.threads);
      } else {
        j.resampling->Start(j.src.i16.data, j.out, j.threads);
      }
    } catch (const std::exception& e) {
      SetError(std::string("resampleImage: ") + e.what());
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    ImageJob& j = *job_;
    if (!finish_ && !j.resampling->SingleStep()) {
      // The source is read: free it before the output is allocated and the second step runs.
      if (in_use_) pipe_binding::BuffersInUse().erase(pipe_binding::BuffersInUse().find(in_use_));
      in_use_ = nullptr;
      if (j.release) pipe_binding::DetachBuffer(j.input.Value());
      j.input.Reset();
      try {
        AllocateOutput(env, j);
      } catch (const Napi::Error& e) {
        j.deferred.Reject(e.Value());
        return;
      }
      (new ImageStep(env, job_, true))->Queue();
      return;
    }
    if (in_use_) pipe_binding::BuffersInUse().erase(pipe_binding::BuffersInUse().find(in_use_));
    in_use_ = nullptr;
    if (j.release && !j.input.IsEmpty()) pipe_binding::DetachBuffer(j.input.Value());
    j.input.Reset();
    j.deferred.Resolve(j.output.Value());
    j.output.Reset();
  }
  void OnError(const Napi::Error& e) override { job_->deferred.Reject(e.Value()); }

 private:
  std::shared_ptr<ImageJob> job_;
  bool finish_;
  const void* in_use_ = nullptr;
};

Napi::Value ResampleImage(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto arg = [](size_t i, const char* name) { return ArgumentName("resampleImage", i, name); };
  const pipe_binding::VoxelView src = pipe_binding::ReadVoxels(info[0], arg(0, "data"));
  const Shape3 shape = pipe_binding::ReadShape(info[1], arg(1, "shape"));
  const Shape3 next = pipe_binding::ReadShape(info[2], arg(2, "newShape"));
  CheckLength(info[0], src.length(), Voxels(shape), arg(0, "data"));
  const int axis = pipe_binding::ReadInt32(info[3], arg(3, "nearestAxis"), -1, 2);
  const int threads = pipe_binding::ReadInt32(info[4], arg(4, "threads"), 0, kMaxThreads);
  const int order = info[5].IsUndefined() ? 3 : pipe_binding::ReadInt32(info[5], arg(5, "order"), 1, 3);
  if (order == 2) ThrowExpected(env, "1 or 3", arg(5, "order"), info[5]);
  const bool release = info[6].IsUndefined() ? false : pipe_binding::ReadBool(info[6], arg(6, "release"));
  if (release && pipe_binding::BuffersInUse().count(pipe_binding::BufferData(info[0])) > 0)
    ThrowExpected(env, "an array no pending native call uses (release detaches it)", arg(0, "data"), info[0]);
  auto job = std::make_shared<ImageJob>(env);
  job->input = Napi::Persistent(info[0].As<Napi::Object>());
  job->src = src;
  job->new_shape = next;
  job->threads = threads;
  job->release = release;
  try {
    job->resampling = std::make_unique<pipe_core::ImageResampling>(shape, next, axis, order);
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, std::string("resampleImage: ") + e.what());
  }
  if (job->resampling->SingleStep()) AllocateOutput(env, *job);
  Napi::Promise promise = job->deferred.Promise();
  (new ImageStep(env, job, false))->Queue();
  return promise;
}

Napi::Value ResampleLabels(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto arg = [](size_t i, const char* name) { return ArgumentName("resampleLabels", i, name); };
  auto [seg, n] = pipe_binding::ReadInt8Array(info[0], arg(0, "seg"));
  const Shape3 shape = pipe_binding::ReadShape(info[1], arg(1, "shape"));
  const Shape3 next = pipe_binding::ReadShape(info[2], arg(2, "newShape"));
  CheckLength(info[0], n, Voxels(shape), arg(0, "seg"));
  const int axis = pipe_binding::ReadInt32(info[3], arg(3, "nearestAxis"), -1, 2);
  const int threads = pipe_binding::ReadInt32(info[4], arg(4, "threads"), 0, kMaxThreads);
  Napi::Int8Array out = Napi::Int8Array::New(env, static_cast<size_t>(Voxels(next)));
  int8_t* dst = out.Data();
  auto kept = std::make_shared<Napi::Reference<Napi::Int8Array>>(Napi::Persistent(out));
  auto* w = new pipe_binding::PromiseWorker(
      env, "resampleLabels", [=, seg = seg]() { pipe_core::ResampleLabels(seg, shape, next, axis, threads, dst); },
      [kept](Napi::Env) -> Napi::Value {
        Napi::Value v = kept->Value();
        kept->Reset();
        return v;
      });
  w->Pin(info[0]);
  w->Pin(out);
  w->Queue();
  return w->Promise();
}

}  // namespace

PIPE_NATIVE_EXPORT("resampleImage", ResampleImage);
PIPE_NATIVE_EXPORT("resampleLabels", ResampleLabels);

// N-API surface of the preprocessing kernels (core/resample.h, core/preprocess.h). Every export
// returns a Promise and runs on a libuv worker (the kernels use their own threads inside); input
// typed arrays are pinned with references until the work is done, outputs are handed to JS without
// a copy. Every argument is read through binding/args.h, which throws a TypeError naming it ("Expected a
// Float32Array for data (argument 1 of resampleImage) but received ..."); src/native/addon/ types the calls.
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "binding/args.h"
#include "binding/registry.h"
#include "core/preprocess.h"
#include "core/resample.h"

namespace {

using pipe_core::Shape3;

class PromiseWorker : public Napi::AsyncWorker {
 public:
  using Work = std::function<void()>;
  using Resolve = std::function<Napi::Value(Napi::Env)>;
  PromiseWorker(Napi::Env env, const char* name, Work execute, Resolve resolve)
      : Napi::AsyncWorker(env, name),
        deferred_(Napi::Promise::Deferred::New(env)),
        execute_(std::move(execute)),
        resolve_(std::move(resolve)),
        name_(name) {}
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Pin(Napi::Value v) {
    if (v.IsObject()) pinned_.push_back(Napi::Persistent(v.As<Napi::Object>()));
  }
  void Execute() override {
    try {
      execute_();
    } catch (const std::exception& e) {
      SetError(name_ + ": " + e.what());
    }
  }
  void OnOK() override {
    Napi::HandleScope scope(Env());
    deferred_.Resolve(resolve_(Env()));
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  Work execute_;
  Resolve resolve_;
  std::string name_;
  std::vector<Napi::ObjectReference> pinned_;
};

using pipe_binding::ArgumentName;
using pipe_binding::ThrowExpected;

constexpr int32_t kMaxThreads = 1 << 16;

// `values` (a typed array argument) must hold one element per voxel of `shape`.
void CheckLength(const Napi::Value& values, size_t length, int64_t voxels, const std::string& name) {
  if (static_cast<int64_t>(length) != voxels)
    ThrowExpected(values.Env(), std::to_string(voxels) + " elements (the product of shape)", name, values);
}

int64_t Voxels(const Shape3& s) { return s[0] * s[1] * s[2]; }

template <typename T>
Napi::Value ToTyped(Napi::Env env, std::shared_ptr<std::vector<T>> data) {
  auto* owned = new std::vector<T>(std::move(*data));
  const size_t n = owned->size();
  auto buffer = Napi::ArrayBuffer::New(
      env, owned->data(), n * sizeof(T), [](Napi::Env, void*, std::vector<T>* v) { delete v; }, owned);
  return Napi::TypedArrayOf<T>::New(env, n, buffer, 0);
}

// resampleImage(data: Float32Array, shape, newShape, nearestAxis, threads, order = 3): Promise<Float32Array>
Napi::Value ResampleImage(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto arg = [](size_t i, const char* name) { return ArgumentName("resampleImage", i, name); };
  auto [data, n] = pipe_binding::ReadFloat32Array(info[0], arg(0, "data"));
  const Shape3 shape = pipe_binding::ReadShape(info[1], arg(1, "shape"));
  const Shape3 next = pipe_binding::ReadShape(info[2], arg(2, "newShape"));
  CheckLength(info[0], n, Voxels(shape), arg(0, "data"));
  const int axis = pipe_binding::ReadInt32(info[3], arg(3, "nearestAxis"), -1, 2);
  const int threads = pipe_binding::ReadInt32(info[4], arg(4, "threads"), 0, kMaxThreads);
  const int order = info[5].IsUndefined() ? 3 : pipe_binding::ReadInt32(info[5], arg(5, "order"), 1, 3);
  if (order == 2) ThrowExpected(env, "1 or 3", arg(5, "order"), info[5]);
  auto out = std::make_shared<std::vector<float>>();
  auto* w = new PromiseWorker(
      env, "resampleImage",
      [=, data = data]() { *out = pipe_core::ResampleImage(data, shape, next, axis, threads, order); },
      [out](Napi::Env e) { return ToTyped(e, out); });
  w->Pin(info[0]);
  w->Queue();
  return w->Promise();
}

// resampleLabels(seg: Int8Array, shape, newShape, nearestAxis, threads): Promise<Int8Array>
Napi::Value ResampleLabels(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto arg = [](size_t i, const char* name) { return ArgumentName("resampleLabels", i, name); };
  auto [seg, n] = pipe_binding::ReadInt8Array(info[0], arg(0, "seg"));
  const Shape3 shape = pipe_binding::ReadShape(info[1], arg(1, "shape"));
  const Shape3 next = pipe_binding::ReadShape(info[2], arg(2, "newShape"));
  CheckLength(info[0], n, Voxels(shape), arg(0, "seg"));
  const int axis = pipe_binding::ReadInt32(info[3], arg(3, "nearestAxis"), -1, 2);
  const int threads = pipe_binding::ReadInt32(info[4], arg(4, "threads"), 0, kMaxThreads);
  auto out = std::make_shared<std::vector<int8_t>>();
  auto* w = new PromiseWorker(
      env, "resampleLabels", [=, seg = seg]() { *out = pipe_core::ResampleLabels(seg, shape, next, axis, threads); },
      [out](Napi::Env e) { return ToTyped(e, out); });
  w->Pin(info[0]);
  w->Queue();
  return w->Promise();
}

// cropToNonzero(channels: Float32Array[], seg: Int8Array | null, shape, threads)
//   : Promise<{bbox, shape, channels: Float32Array[], seg: Int8Array}>
Napi::Value CropToNonzero(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto arg = [](size_t i, const char* name) { return ArgumentName("cropToNonzero", i, name); };
  auto list = pipe_binding::ReadArray(info[0], arg(0, "channels"));
  const Shape3 shape = pipe_binding::ReadShape(info[2], arg(2, "shape"));
  std::vector<const float*> channels;
  for (uint32_t i = 0; i < list.Length(); ++i) {
    const std::string name = arg(0, "channels") + "[" + std::to_string(i) + "]";
    auto [p, n] = pipe_binding::ReadFloat32Array(list.Get(i), name);
    CheckLength(list.Get(i), n, Voxels(shape), name);
    channels.push_back(p);
  }
  const int8_t* seg = nullptr;
  if (!info[1].IsNull() && !info[1].IsUndefined()) {
    auto [p, n] = pipe_binding::ReadInt8Array(info[1], arg(1, "seg"));
    CheckLength(info[1], n, Voxels(shape), arg(1, "seg"));
    seg = p;
  }
  const int threads = pipe_binding::ReadInt32(info[3], arg(3, "threads"), 0, kMaxThreads);
  auto result = std::make_shared<pipe_core::CropResult>();
  auto* w = new PromiseWorker(
      env, "cropToNonzero", [=]() { *result = pipe_core::CropToNonzero(channels, seg, shape, threads); },
      [result](Napi::Env e) -> Napi::Value {
        Napi::Object o = Napi::Object::New(e);
        Napi::Array bbox = Napi::Array::New(e, 3), sh = Napi::Array::New(e, 3);
        for (uint32_t a = 0; a < 3; ++a) {
          Napi::Array pair = Napi::Array::New(e, 2);
          pair.Set(0u, Napi::Number::New(e, static_cast<double>(result->bbox[a][0])));
          pair.Set(1u, Napi::Number::New(e, static_cast<double>(result->bbox[a][1])));
          bbox.Set(a, pair);
          sh.Set(a, Napi::Number::New(e, static_cast<double>(result->shape[a])));
        }
        Napi::Array chans = Napi::Array::New(e, result->channels.size());
        for (size_t c = 0; c < result->channels.size(); ++c) {
          chans.Set(static_cast<uint32_t>(c),
                    ToTyped(e, std::make_shared<std::vector<float>>(std::move(result->channels[c]))));
        }
        o.Set("bbox", bbox);
        o.Set("shape", sh);
        o.Set("channels", chans);
        o.Set("seg", ToTyped(e, std::make_shared<std::vector<int8_t>>(std::move(result->seg))));
        return o;
      });
  w->Pin(info[0]);
  w->Pin(info[1]);
  w->Queue();
  return w->Promise();
}

// sampleForeground(image: Float32Array, seg: Int8Array, stride): Promise<Float32Array>
Napi::Value SampleForeground(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto arg = [](size_t i, const char* name) { return ArgumentName("sampleForeground", i, name); };
  auto [image, n] = pipe_binding::ReadFloat32Array(info[0], arg(0, "image"));
  auto [seg, m] = pipe_binding::ReadInt8Array(info[1], arg(1, "seg"));
  if (n != m) ThrowExpected(env, std::to_string(n) + " elements (image's length)", arg(1, "seg"), info[1]);
  const int64_t stride = pipe_binding::ReadInt(info[2], arg(2, "stride"));
  if (stride < 1) ThrowExpected(env, "an integer >= 1", arg(2, "stride"), info[2]);
  auto out = std::make_shared<std::vector<float>>();
  auto* w = new PromiseWorker(
      env, "sampleForeground",
      [=, image = image, seg = seg, n = n]() {
        *out = pipe_core::SampleForeground(image, seg, static_cast<int64_t>(n), stride);
      },
      [out](Napi::Env e) { return ToTyped(e, out); });
  w->Pin(info[0]);
  w->Pin(info[1]);
  w->Queue();
  return w->Promise();
}

// intensityStats(values: Float32Array): Promise<{count, median, mean, sd, min, max, percentile99_5, percentile00_5}>
// Works on a copy: the caller's array is left as it was.
Napi::Value IntensityStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto [values, n] = pipe_binding::ReadFloat32Array(info[0], ArgumentName("intensityStats", 0, "values"));
  auto copy = std::make_shared<std::vector<float>>(values, values + n);
  auto stats = std::make_shared<pipe_core::IntensityStats>();
  auto* w = new PromiseWorker(
      env, "intensityStats", [=]() { *stats = pipe_core::ComputeIntensityStats(*copy); },
      [stats](Napi::Env e) -> Napi::Value {
        Napi::Object o = Napi::Object::New(e);
        o.Set("count", static_cast<double>(stats->count));
        o.Set("median", stats->median);
        o.Set("mean", stats->mean);
        o.Set("sd", stats->sd);
        o.Set("min", stats->min);
        o.Set("max", stats->max);
        o.Set("percentile99_5", stats->percentile_99_5);
        o.Set("percentile00_5", stats->percentile_00_5);
        return o;
      });
  w->Queue();
  return w->Promise();
}

// normalizeCT(data: Float32Array, lo, hi, mean, sd, threads): Promise<void>, in place.
Napi::Value NormalizeCT(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto arg = [](size_t i, const char* name) { return ArgumentName("normalizeCT", i, name); };
  auto [data, n] = pipe_binding::ReadFloat32Array(info[0], arg(0, "data"));
  const double lo = pipe_binding::ReadNumber(info[1], arg(1, "lo")),
               hi = pipe_binding::ReadNumber(info[2], arg(2, "hi"));
  const double mean = pipe_binding::ReadNumber(info[3], arg(3, "mean"));
  const double sd = pipe_binding::ReadNumber(info[4], arg(4, "sd"));
  const int threads = pipe_binding::ReadInt32(info[5], arg(5, "threads"), 0, kMaxThreads);
  auto* w = new PromiseWorker(
      env, "normalizeCT",
      [=, data = data, n = n]() { pipe_core::NormalizeCT(data, static_cast<int64_t>(n), lo, hi, mean, sd, threads); },
      [](Napi::Env e) { return e.Undefined(); });
  w->Pin(info[0]);
  w->Queue();
  return w->Promise();
}

// normalizeZScore(data: Float32Array, mask: Int8Array | null, threads): Promise<void>, in place.
Napi::Value NormalizeZScore(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto arg = [](size_t i, const char* name) { return ArgumentName("normalizeZScore", i, name); };
  auto [data, n] = pipe_binding::ReadFloat32Array(info[0], arg(0, "data"));
  const int8_t* mask = nullptr;
  if (!info[1].IsNull() && !info[1].IsUndefined()) {
    auto [p, m] = pipe_binding::ReadInt8Array(info[1], arg(1, "mask"));
    if (m != n) ThrowExpected(env, std::to_string(n) + " elements (data's length) or null", arg(1, "mask"), info[1]);
    mask = p;
  }
  const int threads = pipe_binding::ReadInt32(info[2], arg(2, "threads"), 0, kMaxThreads);
  auto* w = new PromiseWorker(
      env, "normalizeZScore",
      [=, data = data, n = n]() { pipe_core::NormalizeZScore(data, mask, static_cast<int64_t>(n), threads); },
      [](Napi::Env e) { return e.Undefined(); });
  w->Pin(info[0]);
  w->Pin(info[1]);
  w->Queue();
  return w->Promise();
}

}  // namespace

PIPE_NATIVE_EXPORT("resampleImage", ResampleImage);
PIPE_NATIVE_EXPORT("resampleLabels", ResampleLabels);
PIPE_NATIVE_EXPORT("cropToNonzero", CropToNonzero);
PIPE_NATIVE_EXPORT("sampleForeground", SampleForeground);
PIPE_NATIVE_EXPORT("intensityStats", IntensityStats);
PIPE_NATIVE_EXPORT("normalizeCT", NormalizeCT);
PIPE_NATIVE_EXPORT("normalizeZScore", NormalizeZScore);

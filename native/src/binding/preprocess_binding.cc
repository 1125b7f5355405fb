// N-API surface of the preprocessing kernels (core/resample.h, core/preprocess.h). Every export
// returns a Promise and runs on a libuv worker (the kernels use their own threads inside); input
// typed arrays are pinned with references until the work is done, outputs are handed to JS without
// a copy. Argument shapes are checked in src/nnunet/preprocessing/native.ts; here only what C++ needs.
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

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
      : Napi::AsyncWorker(env, name), deferred_(Napi::Promise::Deferred::New(env)), execute_(std::move(execute)),
        resolve_(std::move(resolve)), name_(name) {}
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

[[noreturn]] void Fail(Napi::Env env, const std::string& message) { throw Napi::TypeError::New(env, message); }

template <typename T>
std::pair<T*, size_t> TypedData(Napi::Env env, Napi::Value v, napi_typedarray_type type, const char* what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type) {
    Fail(env, std::string("Expected ") + what);
  }
  auto a = v.As<Napi::TypedArray>();
  auto* base = static_cast<uint8_t*>(a.ArrayBuffer().Data()) + a.ByteOffset();
  return {reinterpret_cast<T*>(base), a.ElementLength()};
}

Shape3 ShapeArg(Napi::Env env, Napi::Value v, const char* what) {
  if (!v.IsArray() || v.As<Napi::Array>().Length() != 3) Fail(env, std::string("Expected [z, y, x] for ") + what);
  auto a = v.As<Napi::Array>();
  Shape3 s;
  for (uint32_t i = 0; i < 3; ++i) {
    const double d = a.Get(i).As<Napi::Number>().DoubleValue();
    if (!(d >= 1) || d != static_cast<double>(static_cast<int64_t>(d))) {
      Fail(env, std::string("Expected positive integer sizes for ") + what);
    }
    s[i] = static_cast<int64_t>(d);
  }
  return s;
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
  auto [data, n] = TypedData<float>(env, info[0], napi_float32_array, "a Float32Array for data");
  const Shape3 shape = ShapeArg(env, info[1], "shape"), next = ShapeArg(env, info[2], "newShape");
  if (static_cast<int64_t>(n) != Voxels(shape)) Fail(env, "data length does not match shape");
  const int axis = info[3].As<Napi::Number>().Int32Value(), threads = info[4].As<Napi::Number>().Int32Value();
  const int order = info.Length() > 5 && info[5].IsNumber() ? info[5].As<Napi::Number>().Int32Value() : 3;
  if (order != 1 && order != 3) Fail(env, "Expected order 1 or 3 for resampleImage");
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
  auto [seg, n] = TypedData<int8_t>(env, info[0], napi_int8_array, "an Int8Array for seg");
  const Shape3 shape = ShapeArg(env, info[1], "shape"), next = ShapeArg(env, info[2], "newShape");
  if (static_cast<int64_t>(n) != Voxels(shape)) Fail(env, "seg length does not match shape");
  const int axis = info[3].As<Napi::Number>().Int32Value(), threads = info[4].As<Napi::Number>().Int32Value();
  auto out = std::make_shared<std::vector<int8_t>>();
  auto* w = new PromiseWorker(
      env, "resampleLabels",
      [=, seg = seg]() { *out = pipe_core::ResampleLabels(seg, shape, next, axis, threads); },
      [out](Napi::Env e) { return ToTyped(e, out); });
  w->Pin(info[0]);
  w->Queue();
  return w->Promise();
}

// cropToNonzero(channels: Float32Array[], seg: Int8Array | null, shape, threads)
//   : Promise<{bbox, shape, channels: Float32Array[], seg: Int8Array}>
Napi::Value CropToNonzero(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsArray()) Fail(env, "Expected an array of Float32Array channels");
  const Shape3 shape = ShapeArg(env, info[2], "shape");
  auto list = info[0].As<Napi::Array>();
  std::vector<const float*> channels;
  for (uint32_t i = 0; i < list.Length(); ++i) {
    auto [p, n] = TypedData<float>(env, list.Get(i), napi_float32_array, "a Float32Array per channel");
    if (static_cast<int64_t>(n) != Voxels(shape)) Fail(env, "channel length does not match shape");
    channels.push_back(p);
  }
  const int8_t* seg = nullptr;
  if (!info[1].IsNull() && !info[1].IsUndefined()) {
    auto [p, n] = TypedData<int8_t>(env, info[1], napi_int8_array, "an Int8Array or null for seg");
    if (static_cast<int64_t>(n) != Voxels(shape)) Fail(env, "seg length does not match shape");
    seg = p;
  }
  const int threads = info[3].As<Napi::Number>().Int32Value();
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
  auto [image, n] = TypedData<float>(env, info[0], napi_float32_array, "a Float32Array for image");
  auto [seg, m] = TypedData<int8_t>(env, info[1], napi_int8_array, "an Int8Array for seg");
  if (n != m) Fail(env, "image and seg lengths differ");
  const int64_t stride = info[2].As<Napi::Number>().Int64Value();
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
  auto [values, n] = TypedData<float>(env, info[0], napi_float32_array, "a Float32Array of values");
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
  auto [data, n] = TypedData<float>(env, info[0], napi_float32_array, "a Float32Array for data");
  const double lo = info[1].As<Napi::Number>().DoubleValue(), hi = info[2].As<Napi::Number>().DoubleValue();
  const double mean = info[3].As<Napi::Number>().DoubleValue(), sd = info[4].As<Napi::Number>().DoubleValue();
  const int threads = info[5].As<Napi::Number>().Int32Value();
  auto* w = new PromiseWorker(
      env, "normalizeCT",
      [=, data = data, n = n]() {
        pipe_core::NormalizeCT(data, static_cast<int64_t>(n), lo, hi, mean, sd, threads);
      },
      [](Napi::Env e) { return e.Undefined(); });
  w->Pin(info[0]);
  w->Queue();
  return w->Promise();
}

// normalizeZScore(data: Float32Array, mask: Int8Array | null, threads): Promise<void>, in place.
Napi::Value NormalizeZScore(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto [data, n] = TypedData<float>(env, info[0], napi_float32_array, "a Float32Array for data");
  const int8_t* mask = nullptr;
  if (!info[1].IsNull() && !info[1].IsUndefined()) {
    auto [p, m] = TypedData<int8_t>(env, info[1], napi_int8_array, "an Int8Array or null for mask");
    if (m != n) Fail(env, "mask and data lengths differ");
    mask = p;
  }
  const int threads = info[2].As<Napi::Number>().Int32Value();
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

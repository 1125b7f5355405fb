// N-API surface of the preprocessing kernels (core/preprocess.h; the resampling is in resample_binding.cc). Every
// export returns a Promise and runs on a libuv worker (the kernels use their own threads inside); input typed
// arrays are pinned with references until the work is done, outputs are handed to JS without a copy. Every argument is
// read through binding/args.h, which throws a TypeError naming it ("Expected a Float32Array for data (argument 1 of
// resampleImage) but received ..."); src/native/addon/ types the calls.
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "binding/args.h"
#include "binding/promise_worker.h"
#include "binding/registry.h"
#include "core/preprocess.h"
#include "core/resample.h"

namespace {

using pipe_core::Shape3;

using pipe_binding::ArgumentName;
using pipe_binding::PromiseWorker;
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
  const pipe_binding::VoxelView image = pipe_binding::ReadVoxels(info[0], arg(0, "image"));
  const size_t n = image.length();
  auto [seg, m] = pipe_binding::ReadInt8Array(info[1], arg(1, "seg"));
  if (n != m) ThrowExpected(env, std::to_string(n) + " elements (image's length)", arg(1, "seg"), info[1]);
  const int64_t stride = pipe_binding::ReadInt(info[2], arg(2, "stride"));
  if (stride < 1) ThrowExpected(env, "an integer >= 1", arg(2, "stride"), info[2]);
  auto out = std::make_shared<std::vector<float>>();
  auto* w = new PromiseWorker(
      env, "sampleForeground",
      [=, seg = seg]() {
        const auto voxels = static_cast<int64_t>(n);
        *out = image.f32.data ? pipe_core::SampleForeground(image.f32.data, seg, voxels, stride)
                              : pipe_core::SampleForeground(image.i16.data, seg, voxels, stride);
      },
      [out](Napi::Env e) { return ToTyped(e, out); });
  w->Pin(info[0]);
  w->Pin(info[1]);
  w->Queue();
  return w->Promise();
}

// cropToNonzeroInPlace(channels: (Float32Array | Int16Array)[] (one kind), seg: Int8Array, shape, threads)
//   : Promise<{bbox, shape}>. The cropped voxels and label are left at the start of the given arrays.
Napi::Value CropToNonzeroInPlace(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto arg = [](size_t i, const char* name) { return ArgumentName("cropToNonzeroInPlace", i, name); };
  auto list = pipe_binding::ReadArray(info[0], arg(0, "channels"));
  const Shape3 shape = pipe_binding::ReadShape(info[2], arg(2, "shape"));
  std::vector<float*> floats;
  std::vector<int16_t*> ints;
  for (uint32_t i = 0; i < list.Length(); ++i) {
    const std::string name = arg(0, "channels") + "[" + std::to_string(i) + "]";
    const pipe_binding::VoxelView v = pipe_binding::ReadVoxels(list.Get(i), name);
    CheckLength(list.Get(i), v.length(), Voxels(shape), name);
    if (v.f32.data) floats.push_back(v.f32.data);
    if (v.i16.data) ints.push_back(v.i16.data);
  }
  if (!floats.empty() && !ints.empty())
    ThrowExpected(env, "channels of one kind (all Float32Array or all Int16Array)", arg(0, "channels"), info[0]);
  auto [seg, n] = pipe_binding::ReadInt8Array(info[1], arg(1, "seg"));
  CheckLength(info[1], n, Voxels(shape), arg(1, "seg"));
  const int threads = pipe_binding::ReadInt32(info[3], arg(3, "threads"), 0, kMaxThreads);
  auto box = std::make_shared<pipe_core::CropBox>();
  auto* w = new PromiseWorker(
      env, "cropToNonzeroInPlace",
      [=, seg = seg]() {
        *box = floats.empty() ? pipe_core::CropToNonzeroInPlace(ints, seg, shape, threads)
                              : pipe_core::CropToNonzeroInPlace(floats, seg, shape, threads);
      },
      [box](Napi::Env e) -> Napi::Value {
        Napi::Object o = Napi::Object::New(e);
        Napi::Array bbox = Napi::Array::New(e, 3), sh = Napi::Array::New(e, 3);
        for (uint32_t a = 0; a < 3; ++a) {
          Napi::Array pair = Napi::Array::New(e, 2);
          pair.Set(0u, Napi::Number::New(e, static_cast<double>(box->bbox[a][0])));
          pair.Set(1u, Napi::Number::New(e, static_cast<double>(box->bbox[a][1])));
          bbox.Set(a, pair);
          sh.Set(a, Napi::Number::New(e, static_cast<double>(box->shape[a])));
        }
        o.Set("bbox", bbox);
        o.Set("shape", sh);
        return o;
      });
  w->Pin(info[0]);
  for (uint32_t i = 0; i < list.Length(); ++i) w->Pin(list.Get(i));
  w->Pin(info[1]);
  w->Queue();
  return w->Promise();
}

// releaseBuffer(array: TypedArray): boolean. Detaches the array's ArrayBuffer so its memory goes now instead of at
// some later garbage collection; every view of that buffer reads as empty afterwards. False when it cannot be
// detached. Synchronous: never call it on an array a pending call still uses.
Napi::Value ReleaseBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray()) ThrowExpected(env, "a typed array", ArgumentName("releaseBuffer", 0, "array"), info[0]);
  return Napi::Boolean::New(env, pipe_binding::DetachBuffer(info[0]));
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

PIPE_NATIVE_EXPORT("cropToNonzero", CropToNonzero);
PIPE_NATIVE_EXPORT("cropToNonzeroInPlace", CropToNonzeroInPlace);
PIPE_NATIVE_EXPORT("releaseBuffer", ReleaseBuffer);
PIPE_NATIVE_EXPORT("sampleForeground", SampleForeground);
PIPE_NATIVE_EXPORT("intensityStats", IntensityStats);
PIPE_NATIVE_EXPORT("normalizeCT", NormalizeCT);
PIPE_NATIVE_EXPORT("normalizeZScore", NormalizeZScore);

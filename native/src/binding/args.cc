// Checked JS value readers (see args.h).
#include "binding/args.h"

#include <cmath>

namespace pipe_binding {

namespace {

constexpr double kMaxSafeInteger = 9007199254740991.0;  // Number.MAX_SAFE_INTEGER

const char* TypedArrayName(napi_typedarray_type t) {
  switch (t) {
    case napi_int8_array:
      return "Int8Array";
    case napi_uint8_array:
      return "Uint8Array";
    case napi_uint8_clamped_array:
      return "Uint8ClampedArray";
    case napi_int16_array:
      return "Int16Array";
    case napi_uint16_array:
      return "Uint16Array";
    case napi_int32_array:
      return "Int32Array";
    case napi_uint32_array:
      return "Uint32Array";
    case napi_float32_array:
      return "Float32Array";
    case napi_float64_array:
      return "Float64Array";
    default:
      return "typed array";
  }
}

// "an Int8Array", "a Float32Array", "a Uint8Array".
std::string WithArticle(const char* name) { return std::string(name[0] == 'I' ? "an " : "a ") + name; }

template <typename T>
TypedView<T> ReadTyped(const Napi::Value& v, const std::string& name, napi_typedarray_type type) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type)
    ThrowExpected(v.Env(), WithArticle(TypedArrayName(type)), name, v);
  auto a = v.As<Napi::TypedArray>();
  auto* base = static_cast<uint8_t*>(a.ArrayBuffer().Data()) + a.ByteOffset();
  return {reinterpret_cast<T*>(base), a.ElementLength()};
}

}  // namespace

std::string DescribeValue(const Napi::Value& v) {
  if (v.IsUndefined()) return "undefined";
  if (v.IsNull()) return "null";
  if (v.IsString()) return "\"" + v.As<Napi::String>().Utf8Value() + "\" (string)";
  if (v.IsNumber()) return v.ToString().Utf8Value() + " (number)";
  if (v.IsBoolean()) return std::string(v.As<Napi::Boolean>().Value() ? "true" : "false") + " (boolean)";
  if (v.IsTypedArray()) {
    auto a = v.As<Napi::TypedArray>();
    return WithArticle(TypedArrayName(a.TypedArrayType())) + " of length " + std::to_string(a.ElementLength());
  }
  if (v.IsArray()) return "an array of length " + std::to_string(v.As<Napi::Array>().Length());
  if (v.IsFunction()) return "a function";
  if (v.IsObject()) return "an object";
  return "a value of another type";
}

void ThrowExpected(const Napi::Env& env, const std::string& what, const std::string& name, const Napi::Value& value) {
  throw Napi::TypeError::New(env, "Expected " + what + " for " + name + " but received " + DescribeValue(value));
}

double ReadNumber(const Napi::Value& v, const std::string& name) {
  if (!v.IsNumber()) ThrowExpected(v.Env(), "a number", name, v);
  return v.As<Napi::Number>().DoubleValue();
}

namespace {

// Whether `v` is a number holding an integer in JavaScript's safe range.
bool IsSafeInteger(const Napi::Value& v) {
  if (!v.IsNumber()) return false;
  const double d = v.As<Napi::Number>().DoubleValue();
  return std::isfinite(d) && std::floor(d) == d && std::fabs(d) <= kMaxSafeInteger;
}

}  // namespace

int64_t ReadInt(const Napi::Value& v, const std::string& name) {
  if (!IsSafeInteger(v)) ThrowExpected(v.Env(), "an integer", name, v);
  return static_cast<int64_t>(v.As<Napi::Number>().DoubleValue());
}

int32_t ReadInt32(const Napi::Value& v, const std::string& name, int32_t min, int32_t max) {
  const double d = IsSafeInteger(v) ? v.As<Napi::Number>().DoubleValue() : NAN;
  if (!(d >= min && d <= max))
    ThrowExpected(v.Env(), "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]", name, v);
  return static_cast<int32_t>(d);
}

bool ReadBool(const Napi::Value& v, const std::string& name) {
  if (!v.IsBoolean()) ThrowExpected(v.Env(), "a boolean", name, v);
  return v.As<Napi::Boolean>().Value();
}

std::string ReadString(const Napi::Value& v, const std::string& name) {
  if (!v.IsString()) ThrowExpected(v.Env(), "a string", name, v);
  return v.As<Napi::String>().Utf8Value();
}

Napi::Object ReadObject(const Napi::Value& v, const std::string& name) {
  if (!v.IsObject() || v.IsArray() || v.IsFunction()) ThrowExpected(v.Env(), "an object", name, v);
  return v.As<Napi::Object>();
}

Napi::Array ReadArray(const Napi::Value& v, const std::string& name) {
  if (!v.IsArray()) ThrowExpected(v.Env(), "an array", name, v);
  return v.As<Napi::Array>();
}

Napi::Function ReadFunction(const Napi::Value& v, const std::string& name) {
  if (!v.IsFunction()) ThrowExpected(v.Env(), "a function", name, v);
  return v.As<Napi::Function>();
}

pipe_core::Axes3 ReadAxes(const Napi::Value& v, const std::string& name) {
  if (!v.IsArray() || v.As<Napi::Array>().Length() != 3) ThrowExpected(v.Env(), "an array of 3 integers", name, v);
  auto a = v.As<Napi::Array>();
  pipe_core::Axes3 out{};
  for (uint32_t i = 0; i < 3; ++i) out[i] = ReadInt(a.Get(i), name + "[" + std::to_string(i) + "]");
  return out;
}

pipe_core::Axes3 ReadShape(const Napi::Value& v, const std::string& name) {
  const pipe_core::Axes3 s = ReadAxes(v, name);
  for (uint32_t i = 0; i < 3; ++i)
    if (s[i] < 1)
      ThrowExpected(v.Env(), "a size >= 1", name + "[" + std::to_string(i) + "]", v.As<Napi::Array>().Get(i));
  return s;
}

TypedView<float> ReadFloat32Array(const Napi::Value& v, const std::string& name) {
  return ReadTyped<float>(v, name, napi_float32_array);
}

TypedView<int8_t> ReadInt8Array(const Napi::Value& v, const std::string& name) {
  return ReadTyped<int8_t>(v, name, napi_int8_array);
}

TypedView<int16_t> ReadInt16Array(const Napi::Value& v, const std::string& name) {
  return ReadTyped<int16_t>(v, name, napi_int16_array);
}

VoxelView ReadVoxels(const Napi::Value& v, const std::string& name) {
  VoxelView out;
  if (v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_int16_array) {
    out.i16 = ReadInt16Array(v, name);
  } else if (v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_float32_array) {
    out.f32 = ReadFloat32Array(v, name);
  } else {
    ThrowExpected(v.Env(), "a Float32Array or an Int16Array", name, v);
  }
  return out;
}

std::string ArgumentName(const char* fn, size_t index, const char* parameter) {
  return std::string(parameter) + " (argument " + std::to_string(index + 1) + " of " + fn + ")";
}

}  // namespace pipe_binding

// Checked reads of JS values for every binding file: each reader throws a Napi::TypeError in the house shape
// "Expected <what> for <argument> but received <value>", so no export reads an argument or a field unchecked.
// The TypeScript wrapper (src/native/addon/) validates ranges first; these guard the raw binding, whoever calls it.
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/network_plan.h"

namespace pipe_binding {

// "<value> (<type>)" for messages: strings quoted, arrays and typed arrays by kind and length.
std::string DescribeValue(const Napi::Value& value);

[[noreturn]] void ThrowExpected(const Napi::Env& env, const std::string& what, const std::string& name,
                                const Napi::Value& value);

// Readers of one value, named `name` in messages.
double ReadNumber(const Napi::Value& v, const std::string& name);
int64_t ReadInt(const Napi::Value& v, const std::string& name);  // an integer-valued number (safe range)
int32_t ReadInt32(const Napi::Value& v, const std::string& name, int32_t min, int32_t max);
bool ReadBool(const Napi::Value& v, const std::string& name);
std::string ReadString(const Napi::Value& v, const std::string& name);
Napi::Object ReadObject(const Napi::Value& v, const std::string& name);
Napi::Array ReadArray(const Napi::Value& v, const std::string& name);
Napi::Function ReadFunction(const Napi::Value& v, const std::string& name);
pipe_core::Axes3 ReadAxes(const Napi::Value& v, const std::string& name);   // [z, y, x] integers
pipe_core::Axes3 ReadShape(const Napi::Value& v, const std::string& name);  // [z, y, x] integers >= 1

// A typed array's elements, in place (the caller pins the array while a worker uses them).
template <typename T>
struct TypedView {
  T* data = nullptr;
  size_t length = 0;
};
TypedView<float> ReadFloat32Array(const Napi::Value& v, const std::string& name);
TypedView<int8_t> ReadInt8Array(const Napi::Value& v, const std::string& name);
TypedView<int16_t> ReadInt16Array(const Napi::Value& v, const std::string& name);
// A volume's voxels as stored or converted: a Float32Array or an Int16Array (one of the two views is set).
struct VoxelView {
  TypedView<float> f32;
  TypedView<int16_t> i16;
  size_t length() const { return f32.data ? f32.length : i16.length; }
};
VoxelView ReadVoxels(const Napi::Value& v, const std::string& name);

// The name of positional argument `index` (0-based) of export `fn`: "nearestAxis (argument 4 of resampleImage)".
std::string ArgumentName(const char* fn, size_t index, const char* parameter);

}  // namespace pipe_binding

// Each binding file registers its exports with PIPE_NATIVE_EXPORT(name, fn); addon.cc installs them all.
// This keeps addon.cc registration-only and lets binding files be added without editing a central list.
#pragma once

#include <napi.h>

#include <functional>
#include <string>
#include <vector>

namespace pipe_binding {

using Installer = std::function<void(Napi::Env, Napi::Object)>;

inline std::vector<std::pair<std::string, Installer>>& Registry() {
  static std::vector<std::pair<std::string, Installer>> installers;
  return installers;
}

struct Registrar {
  Registrar(const char* name, Installer installer) { Registry().emplace_back(name, std::move(installer)); }
};

}  // namespace pipe_binding

#define PIPE_NATIVE_CONCAT_(a, b) a##b
#define PIPE_NATIVE_CONCAT(a, b) PIPE_NATIVE_CONCAT_(a, b)
// Registers a function `Napi::Value fn(const Napi::CallbackInfo&)` as exports[name].
#define PIPE_NATIVE_EXPORT(name, fn)                                              \
  static ::pipe_binding::Registrar PIPE_NATIVE_CONCAT(pipe_registrar_, __LINE__)( \
      name, [](Napi::Env env, Napi::Object exports) { exports.Set(name, Napi::Function::New(env, fn, name)); })

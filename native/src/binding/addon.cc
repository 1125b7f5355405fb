// Registration only: every binding file adds itself through PIPE_NATIVE_EXPORT (registry.h).
#include <napi.h>

#include "binding/registry.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  for (const auto& [name, install] : pipe_binding::Registry()) install(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(pipe_native, Init)

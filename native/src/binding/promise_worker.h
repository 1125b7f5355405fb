// An AsyncWorker that settles a Promise: `execute` runs on a libuv worker (no N-API there), `resolve` builds the
// value on the main thread. Pin() keeps a JS object (an input typed array) alive until the worker is done.
#pragma once

#include <napi.h>

#include <functional>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

namespace pipe_binding {

// ArrayBuffer memory that pending workers read or write (main thread only): releaseBuffer refuses these.
inline std::unordered_multiset<const void*>& BuffersInUse() {
  static std::unordered_multiset<const void*> in_use;
  return in_use;
}

inline const void* BufferData(const Napi::Value& typed) {
  return typed.IsTypedArray() ? typed.As<Napi::TypedArray>().ArrayBuffer().Data() : nullptr;
}

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
  ~PromiseWorker() override {
    for (const void* p : in_use_) BuffersInUse().erase(BuffersInUse().find(p));
  }
  void Pin(Napi::Value v) {
    if (!v.IsObject()) return;
    pinned_.push_back(Napi::Persistent(v.As<Napi::Object>()));
    if (const void* p = BufferData(v)) {
      BuffersInUse().insert(p);
      in_use_.push_back(p);
    }
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
  std::vector<const void*> in_use_;
};

// Detaches the ArrayBuffer under a typed array: V8 frees a buffer it allocated at once (no garbage collection
// needed); a buffer made from native memory is freed by its finalizer. False when the buffer cannot be detached.
// Throws when a pending worker still uses the buffer.
inline bool DetachBuffer(const Napi::Value& typed) {
  if (!typed.IsTypedArray()) return false;
  if (BuffersInUse().count(BufferData(typed)) > 0) {
    throw Napi::Error::New(typed.Env(), "Internal error: releaseBuffer on an array that a pending native call uses");
  }
  Napi::ArrayBuffer buffer = typed.As<Napi::TypedArray>().ArrayBuffer();
  if (buffer.IsDetached()) return true;
  napi_status status = napi_detach_arraybuffer(typed.Env(), buffer);
  if (status != napi_ok) {
    // napi_detachable_arraybuffer_expected (e.g. a WebAssembly memory): nothing freed; clear the pending error.
    const napi_extended_error_info* info = nullptr;
    napi_get_last_error_info(typed.Env(), &info);
    return false;
  }
  return true;
}

}  // namespace pipe_binding

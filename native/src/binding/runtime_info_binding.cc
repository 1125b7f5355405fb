#include "binding/registry.h"
#include "core/runtime_info.h"

namespace {

Napi::Value RuntimeInfo(const Napi::CallbackInfo& info) {
  const pipe_core::RuntimeInfo r = pipe_core::GetRuntimeInfo();
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("torchVersion", r.torch_version);
  out.Set("builtWithCuda", r.built_with_cuda);
  out.Set("cudaAvailable", r.cuda_available);
  out.Set("cudaDeviceCount", r.cuda_device_count);
  out.Set("intraOpThreads", r.intra_op_threads);
  out.Set("blasThreads", r.blas_threads);
  out.Set("c10dGloo", r.c10d_gloo);
  out.Set("c10dNccl", r.c10d_nccl);
  return out;
}

}  // namespace

PIPE_NATIVE_EXPORT("runtimeInfo", RuntimeInfo);

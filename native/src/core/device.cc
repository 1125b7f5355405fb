// Device parsing, AMP resolution and autocast scoping (see device.h).
#include "core/device.h"

#include <ATen/Context.h>
#include <dlfcn.h>

#include <stdexcept>
#include <thread>

#include "core/compat.h"

namespace pipe_core {

torch::Device ParseDevice(const std::string& name) {
  const auto colon = name.find(':');
  const std::string kind = name.substr(0, colon);
  int index = 0;
  if (colon != std::string::npos) {
    try {
      index = std::stoi(name.substr(colon + 1));
    } catch (const std::exception&) {
      throw std::invalid_argument("Expected a device like cuda:0 for device but received " + name);
    }
  }
  if (kind == "cpu") return torch::Device(torch::kCPU);
  if (kind == "cuda") {
    if (!torch::cuda::is_available())
      throw std::invalid_argument("device " + name + " requested but CUDA is not available (LibTorch " +
                                  std::string(TORCH_VERSION) + " built " + (PIPE_TORCH_CUDA ? "with" : "without") +
                                  " CUDA)");
    if (index >= static_cast<int>(torch::cuda::device_count()))
      throw std::invalid_argument("device " + name + " requested but only " +
                                  std::to_string(torch::cuda::device_count()) + " CUDA device(s) are visible");
    return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
  }
  if (kind == "npu")
    throw std::invalid_argument(
        "device npu: this build has no Ascend backend (needs torch_npu registering PrivateUse1; see native/README.md)");
  throw std::invalid_argument("Expected cpu, cuda[:i] or npu[:i] for device but received " + name);
}

namespace {

bool CudaRunsBf16(const torch::Device& device) {
  try {
    auto x = torch::randn({1, 2, 4, 4, 4}, torch::TensorOptions().device(device).dtype(torch::kBFloat16));
    auto w = torch::randn({2, 2, 3, 3, 3}, torch::TensorOptions().device(device).dtype(torch::kBFloat16));
    auto y = torch::conv3d(x, w, {}, 1, 1);
    Synchronize(device);
    return y.defined();
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

AmpMode ResolveAmp(const std::string& amp, const torch::Device& device) {
  if (amp != "auto" && amp != "off" && amp != "bf16" && amp != "fp16")
    throw std::invalid_argument("Expected auto, off, bf16 or fp16 for amp but received " + amp);
  if (!device.is_cuda() || amp == "off") return AmpMode::kOff;
  if (amp == "fp16") return AmpMode::kFp16;
  if (amp == "bf16") return AmpMode::kBf16;
  return CudaRunsBf16(device) ? AmpMode::kBf16 : AmpMode::kFp16;
}

const char* AmpName(AmpMode amp) {
  switch (amp) {
    case AmpMode::kOff:
      return "off";
    case AmpMode::kBf16:
      return "bf16";
    case AmpMode::kFp16:
      return "fp16";
  }
  return "off";
}

AutocastScope::AutocastScope(const torch::Device& device, AmpMode amp) {
  if (!device.is_cuda() || amp == AmpMode::kOff) return;
  compat::SetCudaAutocast(true, amp == AmpMode::kBf16 ? at::kBFloat16 : at::kHalf);
  active_ = true;
}

AutocastScope::~AutocastScope() {
  if (active_) compat::SetCudaAutocast(false, at::kHalf);
}

namespace {

// LibTorch builds on a generic BLAS (Debian's: libblas.so.3 -> OpenBLAS, pthread variant) run GEMMs (transposed
// convolutions, the conv weight gradient) on the BLAS's own thread pool, sized to every core and deaf to
// at::set_num_threads; its idle threads spin in sched_yield. Two processes with "1 thread" each then ran four busy
// threads on two cores. The pool is sized here too, through whichever BLAS is loaded.
struct BlasThreadControl {
  void (*set)(int) = nullptr;
  int (*get)() = nullptr;
};

const BlasThreadControl& Blas() {
  static const BlasThreadControl control = [] {
    BlasThreadControl c;
    struct Api {
      const char* lib;
      const char* set;
      const char* get;
    };
    for (const Api& api : {Api{"libopenblas.so.0", "openblas_set_num_threads", "openblas_get_num_threads"},
                           Api{"libblas.so.3", "openblas_set_num_threads", "openblas_get_num_threads"},
                           Api{"libblis.so.4", "bli_thread_set_num_threads", "bli_thread_get_num_threads"}}) {
      void* handle = dlopen(api.lib, RTLD_LAZY | RTLD_NOLOAD);  // only a library this process already has
      if (!handle) continue;
      c.set = reinterpret_cast<void (*)(int)>(dlsym(handle, api.set));
      c.get = reinterpret_cast<int (*)()>(dlsym(handle, api.get));
      if (c.set && c.get) return c;
      c = BlasThreadControl{};
    }
    return c;
  }();
  return control;
}

}  // namespace

int SetThreads(int threads) {
  if (threads <= 0) threads = static_cast<int>(std::thread::hardware_concurrency());
  if (threads <= 0) threads = 1;
  at::set_num_threads(threads);
  if (Blas().set) Blas().set(threads);
  return at::get_num_threads();
}

int BlasThreads() { return Blas().get ? Blas().get() : -1; }

void EnableConvAutotuning(const torch::Device& device) {
  if (device.is_cuda()) at::globalContext().setBenchmarkCuDNN(true);
}

void Synchronize(const torch::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.index());
}

}  // namespace pipe_core

// The device layer: turns a device name ("cpu", "cuda", "cuda:1", "npu:0") into a torch::Device, picks the
// mixed-precision mode, and scopes autocast. Only this module knows which backends exist; adding Ascend NPU
// means mapping "npu" onto PrivateUse1 here once torch_npu is loaded (see native/README.md).
#pragma once

#include <torch/torch.h>

#include <string>

namespace pipe_core {

enum class AmpMode { kOff, kBf16, kFp16 };

struct DeviceChoice {
  torch::Device device{torch::kCPU};
  AmpMode amp = AmpMode::kOff;
};

// Parses `name` and checks the backend is present. "cuda" without an index uses $CUDA_VISIBLE_DEVICES' first
// device (index 0); the engine sets the visible devices. Throws std::invalid_argument naming the field.
torch::Device ParseDevice(const std::string& name);

// Resolves "auto" | "off" | "bf16" | "fp16" for `device`: CPU is always off (fp32); CUDA "auto" picks bf16 when
// the GPU runs bf16 convolutions, else fp16 (which the trainer pairs with a loss scaler).
AmpMode ResolveAmp(const std::string& amp, const torch::Device& device);

const char* AmpName(AmpMode amp);

// RAII: autocast on for this thread while alive (no-op for kOff / CPU).
class AutocastScope {
 public:
  AutocastScope(const torch::Device& device, AmpMode amp);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool active_ = false;
};

// Sets intra-op threads (<= 0: all cores), and the BLAS thread pool to the same size where the BLAS has its own
// (OpenBLAS, BLIS). Returns the intra-op count in effect.
int SetThreads(int threads);

// Threads of the BLAS's own pool (OpenBLAS, BLIS), or -1 where the loaded BLAS has none to report.
int BlasThreads();

// On CUDA, lets cuDNN time its convolution algorithms for each new shape and keep the fastest (the patch shape is
// fixed during training and tiled inference, so the search pays once). No-op elsewhere.
void EnableConvAutotuning(const torch::Device& device);

// Waits for queued device work (timing); no-op on CPU.
void Synchronize(const torch::Device& device);

}  // namespace pipe_core

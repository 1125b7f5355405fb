// The element types the CUDA kernels take (fp32, fp16, bf16), named without CUDA or LibTorch types so that the
// kernels' plain C++ interfaces (fused_norm_cuda.h, fused_loss_cuda.h) and their callers share one enum.
#pragma once

namespace pipe_core {

enum class ElementType { kFloat32, kFloat16, kBFloat16 };

}  // namespace pipe_core

// A checkpoint's checksum: CRC-64/XZ over its content as the network and optimizer hold it (the plan text, every
// descriptive and training-state field, every parameter and buffer by name with dtype, shape and bytes, and every
// momentum buffer by parameter index), stored in the checkpoint as "crc64:<16 hex>". Computed from the tensors in
// memory on save and from the tensors as loaded on load, so it checks what a resume or a prediction would use,
// whatever the archive's layout. LibTorch's zip reader skips its own per-record CRC-32 checks (miniz built with
// MINIZ_DISABLE_ZIP_READER_CRC32_CHECKS), which is how 4 KB of flipped bytes loaded silently before.
#pragma once

#include <torch/torch.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/checkpoint.h"

namespace pipe_core {

// CRC-64/XZ (ECMA-182 polynomial, reflected, init and final xor all ones): "123456789" -> 0x995dc9bbdf1939fa.
class Crc64 {
 public:
  void Update(const void* data, size_t size);
  void Update(const std::string& text) { Update(text.data(), text.size()); }
  uint64_t Value() const { return ~state_; }

 private:
  uint64_t state_ = ~uint64_t{0};
};

// "crc64:<16 hex>" over the content listed above; `momentum[i]` is parameter i's buffer (undefined: none yet).
std::string CheckpointChecksum(const SegmentationNetworkImpl& net, const std::vector<torch::Tensor>& momentum,
                               const TrainState& state, const CheckpointMeta& meta);

}  // namespace pipe_core

// Checkpoint checksum (see checkpoint_checksum.h).
#include "core/checkpoint_checksum.h"

#include <array>
#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace pipe_core {

namespace {

constexpr uint64_t kPolynomial = 0xC96C5795D7870F42ULL;  // ECMA-182, reflected

std::array<uint64_t, 256> MakeTable() {
  std::array<uint64_t, 256> table{};
  for (uint64_t i = 0; i < 256; ++i) {
    uint64_t crc = i;
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 1) ? (crc >> 1) ^ kPolynomial : crc >> 1;
    table[i] = crc;
  }
  return table;
}

const std::array<uint64_t, 256>& Table() {
  static const std::array<uint64_t, 256> table = MakeTable();
  return table;
}

// Doubles by their bit pattern: the text must not depend on printf's rounding.
std::string Bits(double v) {
  uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof bits);
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, bits);
  return buf;
}

std::string Doubles(const std::vector<double>& values) {
  std::string out;
  for (double v : values) out += Bits(v) + ",";
  return out;
}

void AddTensor(Crc64& crc, const std::string& name, const torch::Tensor& t) {
  if (!t.defined()) {
    crc.Update(name + " none\n");
    return;
  }
  const torch::Tensor c = t.detach().to(torch::kCPU).contiguous();
  std::string head = name + " " + std::string(c10::toString(c.scalar_type())) + " [";
  for (int64_t s : c.sizes()) head += std::to_string(s) + ",";
  crc.Update(head + "]\n");
  crc.Update(c.data_ptr(), c.nbytes());
}

}  // namespace

void Crc64::Update(const void* data, size_t size) {
  const auto& table = Table();
  const auto* p = static_cast<const unsigned char*>(data);
  uint64_t crc = state_;
  for (size_t i = 0; i < size; ++i) crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  state_ = crc;
}

std::string CheckpointChecksum(const SegmentationNetworkImpl& net, const std::vector<torch::Tensor>& momentum, const TrainState& s,
                               const CheckpointMeta& m) {
  Crc64 crc;
  crc.Update("pipe checkpoint content 1\n" + PlanText(net.plan()) + "\n");
  crc.Update("meta " + m.kind + " " + std::to_string(m.epochs_total) + " " + std::to_string(m.iterations_per_epoch) +
             " " + std::to_string(m.batch_size) + " " + std::to_string(m.patch[0]) + "," + std::to_string(m.patch[1]) +
             "," + std::to_string(m.patch[2]) + " " + m.device + " " + m.amp + " " + m.torch_version + "\n");
  crc.Update("state " + std::to_string(s.epoch) + " " + std::to_string(s.iteration) + " " + Bits(s.partial_loss_sum) +
             " " + std::to_string(s.partial_loss_count) + " " + Doubles(s.train_loss) + " " + Doubles(s.val_loss) +
             " " + Doubles(s.pseudo_dice) + " " + Doubles(s.ema) + " " + Bits(s.best_ema) + " " + Bits(s.loss_scale) +
             " " + std::to_string(s.scaler_growth) + "\n");
  for (const auto& p : net.named_parameters(/*recurse=*/true)) AddTensor(crc, "parameter " + p.key(), p.value());
  for (const auto& b : net.named_buffers(/*recurse=*/true)) AddTensor(crc, "buffer " + b.key(), b.value());
  for (size_t i = 0; i < momentum.size(); ++i) AddTensor(crc, "momentum " + std::to_string(i), momentum[i]);
  char out[32];
  std::snprintf(out, sizeof out, "crc64:%016" PRIx64, crc.Value());
  return out;
}

}  // namespace pipe_core

// Sliding-window prediction (see sliding_window.h).
#include "core/sliding_window.h"

#include <cmath>
#include <stdexcept>

#include "core/device.h"

namespace pipe_core {

std::vector<int64_t> SlidingWindowSteps(int64_t size, int64_t patch, double step) {
  if (size < patch) throw std::invalid_argument("SlidingWindowSteps: size smaller than the patch");
  if (!(step > 0 && step <= 1))
    throw std::invalid_argument("Expected 0 < step <= 1 for step but received " + std::to_string(step));
  const double target = static_cast<double>(patch) * step;
  const int64_t n = static_cast<int64_t>(std::ceil(static_cast<double>(size - patch) / target)) + 1;
  std::vector<int64_t> starts;
  const double stride = n > 1 ? static_cast<double>(size - patch) / static_cast<double>(n - 1) : 0.0;
  for (int64_t i = 0; i < n; ++i) starts.push_back(static_cast<int64_t>(std::nearbyint(stride * i)));
  return starts;
}

torch::Tensor GaussianImportance(const Axes3& patch, double sigma_scale) {
  std::array<torch::Tensor, 3> axis;
  for (int a = 0; a < 3; ++a) {
    const double sigma = static_cast<double>(patch[a]) * sigma_scale;
    const int64_t radius = static_cast<int64_t>(4.0 * sigma + 0.5);
    const int64_t centre = patch[a] / 2;
    auto w = torch::zeros({patch[a]}, torch::kDouble);
    auto acc = w.accessor<double, 1>();
    for (int64_t i = 0; i < patch[a]; ++i) {
      const double d = static_cast<double>(i - centre);
      if (std::llabs(i - centre) <= radius) acc[i] = std::exp(-d * d / (2 * sigma * sigma));
    }
    axis[a] = w;
  }
  torch::Tensor g = axis[0].view({-1, 1, 1}) * axis[1].view({1, -1, 1}) * axis[2].view({1, 1, -1});
  g = (g / g.max()).to(torch::kFloat);
  const torch::Tensor positive = g.masked_select(g > 0);
  const float smallest = positive.numel() ? positive.min().item<float>() : 1.0f;
  return g.masked_fill(g == 0, smallest);
}

int64_t ResolveHead(const std::string& head, int64_t npool, bool full_resolution_heads) {
  if (head == "last") return npool;
  int64_t k = 0;
  if (head == "average") {
    k = 0;
  } else {
    try {
      k = std::stoll(head);
    } catch (const std::exception&) {
      k = -1;
    }
    if (k < 1 || k > npool)
      throw std::invalid_argument("Expected last, average or a head 1.." + std::to_string(npool) +
                                  " for head but received " + head);
  }
  if (!full_resolution_heads && k != npool)  // Generic_UNet: heads 1..npool-1 are at 1/2^(npool-k) resolution
    throw std::invalid_argument("Expected last or " + std::to_string(npool) +
                                " for head (the network's other heads are below full resolution) but received " + head);
  return k;
}

namespace {

// x (T, C, z, y, x) on device -> softmax (T, K, z, y, x) float32 for the chosen head (0 = average of all).
torch::Tensor HeadSoftmax(SegmentationNetworkImpl& net, const torch::Tensor& x, int64_t head,
                          const torch::Device& device, AmpMode amp) {
  std::vector<torch::Tensor> heads;
  {
    AutocastScope autocast(device, amp);
    heads = net.forward(x, head == 0 ? net.num_pools() : head);
  }
  if (head != 0) return torch::softmax(heads.back().to(torch::kFloat), 1);
  torch::Tensor sum;
  for (const auto& h : heads) {
    torch::Tensor p = torch::softmax(h.to(torch::kFloat), 1);
    sum = sum.defined() ? sum + p : p;
  }
  return sum / static_cast<double>(heads.size());
}

}  // namespace

torch::Tensor PredictProbabilities(SegmentationNetworkImpl& net, const torch::Tensor& volume_in,
                                   const PredictOptions& o, const torch::Device& device,
                                   const TileProgressFn& on_tiles) {
  // volume (C, Z, Y, X) float32 CPU.
  if (volume_in.dim() != 4) throw std::invalid_argument("Expected a (C, Z, Y, X) volume");
  if (volume_in.size(0) != net.plan().in_channels)
    throw std::invalid_argument("Expected " + std::to_string(net.plan().in_channels) +
                                " channels (the checkpoint's inChannels) but the volume has " +
                                std::to_string(volume_in.size(0)));
  const Axes3 P = o.patch;
  CheckPatchDivisible(net.plan(), P, "patchSize");
  const AmpMode amp = ResolveAmp(o.amp, device);
  const int64_t head = ResolveHead(o.head, net.num_pools(), net.full_resolution_heads());
  torch::NoGradGuard no_grad;
  net.eval();

  // Pad to at least the patch: half before, the odd remainder after (constant 0).
  Axes3 before{}, size{};
  std::vector<int64_t> pad;  // torch pad order: x, y, z
  for (int a = 2; a >= 0; --a) {
    const int64_t s = volume_in.size(a + 1), missing = std::max<int64_t>(P[a] - s, 0);
    before[a] = missing / 2;
    size[a] = s + missing;
    pad.push_back(before[a]);
    pad.push_back(missing - missing / 2);
  }
  const torch::Tensor volume = torch::constant_pad_nd(volume_in.to(torch::kFloat), pad, 0).contiguous();

  const torch::Tensor importance = o.gaussian ? GaussianImportance(P) : torch::ones({P[0], P[1], P[2]});
  const torch::Tensor importance_dev = importance.to(device);
  const int64_t K = net.plan().num_classes;
  torch::Tensor acc = torch::zeros({K, size[0], size[1], size[2]}, torch::kFloat);
  torch::Tensor weight = torch::zeros({size[0], size[1], size[2]}, torch::kFloat);

  std::vector<std::vector<int64_t>> flips = {{}};
  if (o.mirror) {
    for (int a = 0; a < 3; ++a) {
      if (!o.mirror_axes[a]) continue;
      const size_t n = flips.size();
      for (size_t i = 0; i < n; ++i) {
        auto f = flips[i];
        f.push_back(a + 2);  // dims of (T, C, Z, Y, X)
        flips.push_back(f);
      }
    }
  }

  std::vector<Axes3> tiles;
  for (int64_t z : SlidingWindowSteps(size[0], P[0], o.step))
    for (int64_t y : SlidingWindowSteps(size[1], P[1], o.step))
      for (int64_t x : SlidingWindowSteps(size[2], P[2], o.step)) tiles.push_back({z, y, x});

  const int64_t tb = std::max<int64_t>(o.tile_batch, 1);
  const auto total = static_cast<int64_t>(tiles.size());
  if (on_tiles) on_tiles({0, total});
  for (size_t first = 0; first < tiles.size(); first += static_cast<size_t>(tb)) {
    const size_t last = std::min(tiles.size(), first + static_cast<size_t>(tb));
    std::vector<torch::Tensor> crops;
    for (size_t t = first; t < last; ++t)
      crops.push_back(volume.slice(1, tiles[t][0], tiles[t][0] + P[0])
                          .slice(2, tiles[t][1], tiles[t][1] + P[1])
                          .slice(3, tiles[t][2], tiles[t][2] + P[2]));
    const torch::Tensor x = torch::stack(crops).to(device);
    torch::Tensor probs;
    for (const auto& f : flips) {
      torch::Tensor p =
          f.empty() ? HeadSoftmax(net, x, head, device, amp) : HeadSoftmax(net, x.flip(f), head, device, amp).flip(f);
      probs = probs.defined() ? probs + p : p;
    }
    probs = (probs * (1.0 / static_cast<double>(flips.size())) * importance_dev).to(torch::kCPU);
    for (size_t t = first; t < last; ++t) {
      const Axes3& s = tiles[t];
      acc.slice(1, s[0], s[0] + P[0])
          .slice(2, s[1], s[1] + P[1])
          .slice(3, s[2], s[2] + P[2])
          .add_(probs[static_cast<int64_t>(t - first)]);
      weight.slice(0, s[0], s[0] + P[0]).slice(1, s[1], s[1] + P[1]).slice(2, s[2], s[2] + P[2]).add_(importance);
    }
    if (on_tiles) on_tiles({static_cast<int64_t>(last), total});
  }
  acc.div_(weight.unsqueeze(0));
  return acc.slice(1, before[0], before[0] + volume_in.size(1))
      .slice(2, before[1], before[1] + volume_in.size(2))
      .slice(3, before[2], before[2] + volume_in.size(3))
      .contiguous();
}

}  // namespace pipe_core

// Sliding-window inference over a whole preprocessed volume (recipe 10.3): tiles at step 0.5 of the patch,
// Gaussian importance (sigma = patch/8), mirror TTA over the chosen axes, softmax averaged, argmax. Chunked: tiles
// run on the device in small batches and are accumulated on the CPU, so no volume-sized device tensor is needed.
#pragma once

#include <torch/torch.h>

#include <array>
#include <functional>
#include <string>
#include <vector>

#include "core/network_plan.h"
#include "core/segmentation_network.h"

namespace pipe_core {

struct PredictOptions {
  Axes3 patch{0, 0, 0};                               // 0 = the patch the checkpoint was trained with
  double step = 0.5;                                  // fraction of the patch between tile starts
  bool gaussian = true;                               // Gaussian importance weighting (else uniform)
  bool mirror = true;                                 // test-time mirroring
  std::array<bool, 3> mirror_axes{true, true, true};  // (z, y, x)
  // "last" (the network's last head: UNet++ X^{0,npool}, Generic_UNet its full-resolution output) | "average" (mean
  // of all heads' softmax) | "1".."npool". Only a network whose heads are all full resolution (UNet++) takes
  // "average" or a head number other than npool.
  std::string head = "last";
  int64_t tile_batch = 1;  // tiles per forward pass
  std::string device = "cpu", amp = "auto";
  int threads = 0;                // intra-op threads, <= 0: all cores
  std::string output = "labels";  // what predictVolume returns: "labels" | "probabilities" | "both" (binding)
};

// Tile start positions along one axis: n = ceil((size - patch) / (patch * step)) + 1 starts, evenly spread and
// rounded; e.g. size 110, patch 64, step 0.5 -> 0, 23, 46. Requires size >= patch.
std::vector<int64_t> SlidingWindowSteps(int64_t size, int64_t patch, double step);

// (Z, Y, X) float32: exp(-d^2 / (2 sigma^2)) per axis around patch//2, sigma = patch * sigma_scale, truncated at
// 4 sigma like scipy.ndimage.gaussian_filter, divided by its max, zeros replaced by the smallest nonzero value.
torch::Tensor GaussianImportance(const Axes3& patch, double sigma_scale = 1.0 / 8.0);

// Resolves `head` for a network with npool heads to a 1-based head index, or 0 for "average". With
// full_resolution_heads false (Generic_UNet) only "last" / npool resolve; the rest throw naming the field.
int64_t ResolveHead(const std::string& head, int64_t npool, bool full_resolution_heads = true);

// Tiles of one volume predicted so far: a long case (hundreds of tiles, seconds each on a CPU) shows it is working.
struct TileProgress {
  int64_t done = 0;
  int64_t total = 0;
};
// Called on the predicting thread: once with done 0 before the first tile, then after every batch of tiles (the
// last call has done == total). It should be cheap; the caller decides how often to pass it on.
using TileProgressFn = std::function<void(const TileProgress&)>;

// volume is (C, Z, Y, X) float32 on the CPU; returns softmax probabilities (K, Z, Y, X) float32 on the CPU.
torch::Tensor PredictProbabilities(SegmentationNetworkImpl& net, const torch::Tensor& volume,
                                   const PredictOptions& options, const torch::Device& device,
                                   const TileProgressFn& on_tiles = nullptr);

}  // namespace pipe_core

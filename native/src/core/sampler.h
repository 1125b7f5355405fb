// Patch batches from preprocessed cases (cases/<id>.data.npy float32 (C,Z,Y,X), <id>.seg.npy int8 (Z,Y,X)),
// memory-mapped, with nnU-Net's DataLoader3D rules (recipe 8.4): cases drawn with replacement, sample j forced to
// foreground iff j >= round(batch * (1 - oversample)), forced corners centred on a stored class location, padding
// image 0 / label -1. PatchSource is the seam for other samplers (e.g. the full augmentation pipeline, issue 5).
#pragma once

#include <torch/torch.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/npy.h"
#include "core/plan.h"
#include "core/rng.h"

namespace pipe_core {

struct CaseSource {
  std::string id;
  std::string data_path;  // <id>.data.npy
  std::string seg_path;   // <id>.seg.npy
  // class -> voxel positions (z, y, x); when empty they are computed from the seg at open time.
  std::map<int, std::vector<Axes3>> class_locations;
};

// One opened case; the arrays stay memory-mapped.
struct LoadedCase {
  explicit LoadedCase(const CaseSource& source);
  std::string id;
  NpyFile data, seg;
  int64_t channels = 0;
  Axes3 shape{};
  std::map<int, std::vector<Axes3>> class_locations;  // non-empty classes only
};

// A batch on the CPU: data (B, C, z, y, x) float32, seg (B, z, y, x) int8 (may still hold -1 = outside).
struct Batch {
  torch::Tensor data, seg;
  std::vector<std::string> ids;
};

class PatchSource {
 public:
  virtual ~PatchSource() = default;
  virtual Batch Next(Rng& rng) = 0;
};

struct SamplerOptions {
  int64_t batch_size = 2;
  Axes3 patch{128, 128, 128};         // the patch the network sees
  Axes3 loader_patch{128, 128, 128};  // what is cut (>= patch, larger when a spatial augmenter crops afterwards)
  double oversample_foreground = 0.33;
};

class OversamplingSampler : public PatchSource {
 public:
  OversamplingSampler(std::vector<std::shared_ptr<LoadedCase>> cases, SamplerOptions options);
  Batch Next(Rng& rng) override;
  // Whether sample j of a batch is foreground-forced: j >= round(batch * (1 - oversample)), round half to even.
  static bool ForcedForeground(int64_t j, int64_t batch, double oversample);

 private:
  std::vector<std::shared_ptr<LoadedCase>> cases_;
  SamplerOptions options_;
};

// Copies the box [corner, corner + size) of a case into data_out (C, size...) and seg_out (size...), padding
// outside the volume with 0 (image) and -1 (label).
void CropPadded(const LoadedCase& c, const Axes3& corner, const Axes3& size, float* data_out, int8_t* seg_out);

std::vector<std::shared_ptr<LoadedCase>> OpenCases(const std::vector<CaseSource>& sources);

}  // namespace pipe_core

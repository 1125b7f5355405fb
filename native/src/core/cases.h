// Preprocessed training cases on disk (cases/<id>.data.npy float32 (C, Z, Y, X), <id>.seg.npy int8 (Z, Y, X)),
// opened as read-only memory maps with their class locations, and the batch the trainer consumes. Sampling and
// augmentation live in core/loader.h; this file only opens and checks the arrays.
#pragma once

#include <torch/torch.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/loader.h"
#include "core/network_plan.h"
#include "core/npy.h"

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

// A batch on the CPU: data (B, C, z, y, x) float32, seg (B, z, y, x) int8 (labels >= 0).
struct Batch {
  torch::Tensor data, seg;
  std::vector<std::string> ids;
};

std::vector<std::shared_ptr<LoadedCase>> OpenCases(const std::vector<CaseSource>& sources);

// The PatchLoader views of opened cases (the cases must outlive the loader).
std::vector<LoaderCase> LoaderCasesOf(const std::vector<std::shared_ptr<LoadedCase>>& cases);

}  // namespace pipe_core

// Recipe 8.4: case draw, oversampling rule, source patch corner; then the augmentation chain.
#include "core/loader.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace pipe_core {
namespace {

std::string ShapeText(const Shape3& s) {
  return "[" + std::to_string(s[0]) + "," + std::to_string(s[1]) + "," + std::to_string(s[2]) + "]";
}

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

}  // namespace

int FirstForcedSample(int batch_size, double oversample_foreground_percent) {
  // Python 3 round(): half to even, which is the default floating-point rounding mode.
  return static_cast<int>(std::nearbyint(static_cast<double>(batch_size) * (1.0 - oversample_foreground_percent)));
}

std::vector<RankBatch> SplitBatchAcrossRanks(int plan_batch_size, int world_size, bool split_batch,
                                             double oversample_foreground_percent) {
  if (plan_batch_size < 1 || world_size < 1)
    throw std::invalid_argument("Expected batch size and world size >= 1 for SplitBatchAcrossRanks but received " +
                                std::to_string(plan_batch_size) + " and " + std::to_string(world_size));
  const double global = split_batch ? plan_batch_size : static_cast<double>(plan_batch_size) * world_size;
  const int per_rank = (plan_batch_size + world_size - 1) / world_size;
  const double q = 1.0 - oversample_foreground_percent;
  std::vector<RankBatch> out;
  int64_t low = 0;
  for (int rank = 0; rank < world_size; ++rank) {
    RankBatch r;
    if (split_batch) {
      const int over = (rank + 1) * per_rank - plan_batch_size;
      r.batch_size = std::max(0, over > 0 ? per_rank - over : per_rank);
    } else {
      r.batch_size = plan_batch_size;
    }
    const int64_t high = low + r.batch_size;
    const double lo = static_cast<double>(low) / global, hi = static_cast<double>(high) / global;
    if (hi < q) {
      r.oversample_foreground_percent = 0.0;
    } else if (lo > q) {
      r.oversample_foreground_percent = 1.0;
    } else {
      r.oversample_foreground_percent = 1.0 - (q - lo) / (hi - lo);
    }
    out.push_back(r);
    low = high;
  }
  return out;
}

PatchLoader::PatchLoader(std::vector<LoaderCase> cases, LoaderParams params)
    : cases_(std::move(cases)), params_(std::move(params)) {
  if (cases_.empty()) throw std::invalid_argument("Expected at least one case for PatchLoader but received none");
  if (params_.batch_size < 1)
    throw std::invalid_argument("Expected batch_size >= 1 for LoaderParams.batch_size but received " +
                                std::to_string(params_.batch_size));
  if (!(params_.oversample_foreground_percent >= 0.0 && params_.oversample_foreground_percent <= 1.0))
    throw std::invalid_argument(
        "Expected a value in [0, 1] for LoaderParams.oversample_foreground_percent but received " +
        std::to_string(params_.oversample_foreground_percent));
  for (int d = 0; d < 3; ++d) {
    if (params_.patch_size[d] < 1 || params_.source_patch_size[d] < params_.patch_size[d])
      throw std::invalid_argument(
          "Expected patch_size >= 1 and source_patch_size >= patch_size for LoaderParams but received patch " +
          ShapeText(params_.patch_size) + " and source " + ShapeText(params_.source_patch_size));
  }
  ValidateAugmentParams(params_.augment);
  channels_ = cases_.front().volume.channels;
  for (const LoaderCase& c : cases_) {
    const Volume& v = c.volume;
    if (!v.image || !v.label)
      throw std::invalid_argument("Expected image and label data for case '" + c.id + "' but received a null pointer");
    if (v.channels != channels_)
      throw std::invalid_argument("Expected " + std::to_string(channels_) + " channels for case '" + c.id +
                                  "' but received " + std::to_string(v.channels));
    for (int d = 0; d < 3; ++d)
      if (v.shape[d] < 1)
        throw std::invalid_argument("Expected a positive shape for case '" + c.id + "' but received " +
                                    ShapeText(v.shape));
    for (const ClassLocations& cl : c.class_locations)
      for (const auto& p : cl.voxels)
        for (int d = 0; d < 3; ++d)
          if (p[d] < 0 || p[d] >= v.shape[d])
            throw std::invalid_argument("Expected class locations inside shape " + ShapeText(v.shape) + " for case '" +
                                        c.id + "' class " + std::to_string(cl.label) + " but received [" +
                                        std::to_string(p[0]) + "," + std::to_string(p[1]) + "," + std::to_string(p[2]) +
                                        "]");
  }
  first_forced_ = FirstForcedSample(params_.batch_size, params_.oversample_foreground_percent);
}

void PatchLoader::CornerBounds(const Shape3& shape, Shape3* lb, Shape3* ub) const {
  for (int d = 0; d < 3; ++d) {
    const int64_t source = params_.source_patch_size[d];
    int64_t need = source - params_.patch_size[d];
    if (shape[d] + need < source) need = source - shape[d];  // per case (no in-place persistence)
    (*lb)[d] = FloorDiv(-need, 2);
    (*ub)[d] = shape[d] + need / 2 + need % 2 - source;
  }
}

SampleRecord PatchLoader::SampleOne(int64_t iteration, int j, float* image, int8_t* label,
                                    AugmentScratch* scratch) const {
  AugmentRng rng =
      AugmentRng::ForSample(params_.seed, params_.stream, static_cast<uint64_t>(iteration), static_cast<uint64_t>(j));
  SampleRecord rec;
  rec.case_index = static_cast<int>(rng.Integer(0, static_cast<int64_t>(cases_.size()) - 1));
  const LoaderCase& c = cases_[static_cast<size_t>(rec.case_index)];
  Shape3 lb, ub;
  CornerBounds(c.volume.shape, &lb, &ub);
  rec.forced_foreground = j >= first_forced_;
  bool placed = false;
  if (rec.forced_foreground) {
    std::vector<const ClassLocations*> present;
    for (const ClassLocations& cl : c.class_locations)
      if (cl.label > 0 && !cl.voxels.empty()) present.push_back(&cl);
    if (!present.empty()) {
      const ClassLocations* cl = present[static_cast<size_t>(rng.Integer(0, static_cast<int64_t>(present.size()) - 1))];
      const auto& voxel = cl->voxels[static_cast<size_t>(rng.Integer(0, static_cast<int64_t>(cl->voxels.size()) - 1))];
      rec.forced_class = cl->label;
      for (int d = 0; d < 3; ++d) rec.corner[d] = std::max(lb[d], voxel[d] - params_.source_patch_size[d] / 2);
      placed = true;
    }
  }
  if (!placed)
    for (int d = 0; d < 3; ++d) rec.corner[d] = rng.Integer(lb[d], ub[d]);

  SourceWindow window{c.volume, rec.corner, params_.source_patch_size};
  rec.augmentation = AugmentSample(params_.augment, window, params_.patch_size, rng, image, label, scratch);
  return rec;
}

void PatchLoader::SampleBatch(int64_t iteration, float* image, int8_t* label, SampleRecord* records) const {
  thread_local AugmentScratch scratch;
  const int64_t n = patch_voxels();
  for (int j = 0; j < params_.batch_size; ++j) {
    SampleRecord r = SampleOne(iteration, j, image + static_cast<int64_t>(j) * channels_ * n, label + j * n, &scratch);
    if (records) records[j] = r;
  }
}

}  // namespace pipe_core

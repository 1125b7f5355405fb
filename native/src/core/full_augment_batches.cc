// See full_augment_batches.h.
#include "core/full_augment_batches.h"

#include <algorithm>
#include <cstring>

namespace pipe_core {

std::vector<LoaderCase> LoaderCasesOf(const std::vector<std::shared_ptr<LoadedCase>>& cases) {
  std::vector<LoaderCase> out;
  out.reserve(cases.size());
  for (const auto& c : cases) {
    LoaderCase lc;
    lc.id = c->id;
    lc.volume.image = c->data.as<float>();
    lc.volume.label = c->seg.as<int8_t>();
    lc.volume.channels = static_cast<int>(c->channels);
    lc.volume.shape = c->shape;
    for (const auto& [cls, voxels] : c->class_locations) {
      ClassLocations locations;
      locations.label = cls;
      locations.voxels.assign(voxels.begin(), voxels.end());
      lc.class_locations.push_back(std::move(locations));
    }
    out.push_back(std::move(lc));
  }
  return out;
}

FullAugmentBatches::FullAugmentBatches(const std::vector<std::shared_ptr<LoadedCase>>& cases,
                                       const FullAugmentOptions& o)
    : cases_(cases), patch_(o.patch), batch_(o.batch_size) {
  LoaderParams p;
  p.patch_size = o.patch;
  p.source_patch_size = ReferenceSourcePatchSize(o.patch, p.augment);
  p.batch_size = static_cast<int>(o.batch_size);
  p.oversample_foreground_percent = o.oversample_foreground;
  p.seed = o.seed;
  p.stream = o.stream;
  source_patch_ = p.source_patch_size;
  auto loader = std::make_shared<const PatchLoader>(LoaderCasesOf(cases_), p);
  channels_ = loader->channels();
  PrefetchOptions po;
  po.threads = std::max(1, o.threads);
  po.depth = std::max(1, o.depth) * po.threads;
  po.first_iteration = o.first_iteration;
  pool_ = std::make_unique<PrefetchLoader>(std::move(loader), po);
}

Batch FullAugmentBatches::Next() {
  std::unique_ptr<LoadedBatch> loaded = pool_->Next();
  Batch b;
  b.data = torch::empty({batch_, channels_, patch_[0], patch_[1], patch_[2]}, torch::kFloat32);
  b.seg = torch::empty({batch_, patch_[0], patch_[1], patch_[2]}, torch::kInt8);
  std::memcpy(b.data.data_ptr<float>(), loaded->image.data(), loaded->image.size() * sizeof(float));
  std::memcpy(b.seg.data_ptr<int8_t>(), loaded->label.data(), loaded->label.size());
  for (const auto& s : loaded->samples)
    b.ids.push_back(s.case_index >= 0 ? cases_[static_cast<size_t>(s.case_index)]->id : std::string());
  pool_->Recycle(std::move(loaded));
  return b;
}

}  // namespace pipe_core

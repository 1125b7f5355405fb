// Presets, source patch and the two batch streams of the trainer (see batches.h).
#include "core/batches.h"

#include <algorithm>
#include <cstring>

namespace pipe_core {

namespace {

LoaderParams ParamsOf(const BatchStreamOptions& o) {
  LoaderParams p;
  p.patch_size = o.patch;
  p.source_patch_size = o.source_patch;
  p.batch_size = static_cast<int>(o.batch_size);
  p.oversample_foreground_percent = o.oversample_foreground;
  p.augment = o.augment;
  p.seed = o.seed;
  p.stream = o.stream;
  return p;
}

// Copies a loader batch (image, label buffers) into fresh CPU tensors.
Batch ToBatch(const std::vector<std::shared_ptr<LoadedCase>>& cases, const Axes3& patch, int64_t batch,
              int64_t channels, const float* image, const int8_t* label, const std::vector<SampleRecord>& samples) {
  Batch b;
  b.data = torch::empty({batch, channels, patch[0], patch[1], patch[2]}, torch::kFloat32);
  b.seg = torch::empty({batch, patch[0], patch[1], patch[2]}, torch::kInt8);
  std::memcpy(b.data.data_ptr<float>(), image, static_cast<size_t>(b.data.numel()) * sizeof(float));
  std::memcpy(b.seg.data_ptr<int8_t>(), label, static_cast<size_t>(b.seg.numel()));
  for (const auto& s : samples)
    b.ids.push_back(s.case_index >= 0 ? cases[static_cast<size_t>(s.case_index)]->id : std::string());
  return b;
}

}  // namespace

AugmentParams AugmentParamsOf(const AugmentationOptions& o) {
  if (!o.enabled) return NoAugmentation();
  AugmentParams p;
  p.do_mirror = o.mirror;
  p.mirror_axes = o.mirror_axes;
  p.p_mirror_per_axis = o.mirror_p;
  p.p_brightness = o.brightness_p;
  p.p_contrast = o.contrast_p;
  p.p_gamma = o.gamma_p;
  if (o.pipeline == "basic") {
    p.p_elastic = p.p_rotation = p.p_scale = 0;
    p.p_noise = p.p_blur = p.p_low_resolution = p.p_inverted_gamma = 0;
  }
  return p;
}

Axes3 SourcePatchOf(const TrainOptions& o, const AugmentParams& params) {
  if (o.augmentation.enabled && o.augmentation.pipeline == "full") return ReferenceSourcePatchSize(o.patch, params);
  return o.loader_patch[0] > 0 ? o.loader_patch : o.patch;
}

TrainingBatches::TrainingBatches(const std::vector<std::shared_ptr<LoadedCase>>& cases, const BatchStreamOptions& o)
    : cases_(cases), patch_(o.patch), batch_(o.batch_size) {
  auto loader = std::make_shared<const PatchLoader>(LoaderCasesOf(cases_), ParamsOf(o));
  channels_ = loader->channels();
  PrefetchOptions po;
  po.threads = std::max(1, o.threads);
  po.depth = std::max(1, o.depth) * po.threads;
  po.first_iteration = o.first_iteration;
  pool_ = std::make_unique<PrefetchLoader>(std::move(loader), po);
}

Batch TrainingBatches::Next() {
  std::unique_ptr<LoadedBatch> loaded = pool_->Next();
  Batch b = ToBatch(cases_, patch_, batch_, channels_, loaded->image.data(), loaded->label.data(), loaded->samples);
  pool_->Recycle(std::move(loaded));
  return b;
}

double TrainingBatches::waited_seconds() const { return pool_->waited_seconds(); }

ValidationBatches::ValidationBatches(const std::vector<std::shared_ptr<LoadedCase>>& cases, const BatchStreamOptions& o)
    : cases_(cases), loader_(std::make_shared<const PatchLoader>(LoaderCasesOf(cases_), ParamsOf(o))) {}

Batch ValidationBatches::Get(int64_t index) const {
  const LoaderParams& p = loader_->params();
  std::vector<float> image(loader_->image_floats_per_batch());
  std::vector<int8_t> label(loader_->label_bytes_per_batch());
  std::vector<SampleRecord> samples(static_cast<size_t>(p.batch_size));
  loader_->SampleBatch(index, image.data(), label.data(), samples.data());
  return ToBatch(cases_, p.patch_size, p.batch_size, loader_->channels(), image.data(), label.data(), samples);
}

}  // namespace pipe_core

// Memory-mapped case access and the oversampling patch sampler (see sampler.h).
#include "core/sampler.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace pipe_core {

namespace {

constexpr size_t kMaxStoredLocations = 10000;  // per class, as nnU-Net keeps at most
constexpr uint64_t kLocationSeed = 1234;       // nnU-Net seeds its class-location sampling with 1234

std::map<int, std::vector<Axes3>> ScanClassLocations(const LoadedCase& c) {
  std::map<int, std::vector<Axes3>> all;
  const int8_t* s = c.seg.as<int8_t>();
  const int64_t Z = c.shape[0], Y = c.shape[1], X = c.shape[2];
  for (int64_t z = 0; z < Z; ++z)
    for (int64_t y = 0; y < Y; ++y)
      for (int64_t x = 0; x < X; ++x) {
        const int8_t v = s[(z * Y + y) * X + x];
        if (v > 0) all[v].push_back({z, y, x});
      }
  Rng rng(kLocationSeed);
  for (auto& [cls, locs] : all) {
    if (locs.size() <= kMaxStoredLocations) continue;
    for (size_t i = 0; i < kMaxStoredLocations; ++i)  // partial Fisher-Yates
      std::swap(locs[i], locs[static_cast<size_t>(rng.Int(static_cast<int64_t>(i), locs.size() - 1))]);
    locs.resize(kMaxStoredLocations);
  }
  return all;
}

}  // namespace

LoadedCase::LoadedCase(const CaseSource& source) : id(source.id), data(source.data_path), seg(source.seg_path) {
  if (data.descr() != "<f4")
    throw std::runtime_error(data.path() + ": Expected float32 (<f4) for case " + id + " data but received " +
                             data.descr());
  if (data.shape().size() != 4)
    throw std::runtime_error(data.path() + ": Expected a (C, Z, Y, X) array for case " + id + " data but received " +
                             std::to_string(data.shape().size()) + " dimensions");
  if (seg.descr() != "|i1" && seg.descr() != "<i1")
    throw std::runtime_error(seg.path() + ": Expected int8 (|i1) for case " + id + " seg but received " + seg.descr());
  const auto& ds = data.shape();
  const auto& ss = seg.shape();
  const bool seg_ok = (ss.size() == 3 && ss[0] == ds[1] && ss[1] == ds[2] && ss[2] == ds[3]) ||
                      (ss.size() == 4 && ss[0] == 1 && ss[1] == ds[1] && ss[2] == ds[2] && ss[3] == ds[3]);
  if (!seg_ok)
    throw std::runtime_error(seg.path() + ": seg shape does not match the data's spatial shape for case " + id);
  channels = ds[0];
  shape = {ds[1], ds[2], ds[3]};
  for (const auto& [cls, locs] : source.class_locations) {
    for (const auto& p : locs)
      for (int a = 0; a < 3; ++a)
        if (p[a] < 0 || p[a] >= shape[a])
          throw std::runtime_error("case " + id + ": class " + std::to_string(cls) +
                                   " location outside the volume (axis " + std::to_string(a) + " value " +
                                   std::to_string(p[a]) + ")");
    if (!locs.empty()) class_locations[cls] = locs;
  }
  if (source.class_locations.empty()) class_locations = ScanClassLocations(*this);
}

std::vector<std::shared_ptr<LoadedCase>> OpenCases(const std::vector<CaseSource>& sources) {
  std::vector<std::shared_ptr<LoadedCase>> out;
  out.reserve(sources.size());
  for (const auto& s : sources) out.push_back(std::make_shared<LoadedCase>(s));
  return out;
}

void CropPadded(const LoadedCase& c, const Axes3& corner, const Axes3& size, float* data_out, int8_t* seg_out) {
  const int64_t plane = size[0] * size[1] * size[2];
  std::fill(data_out, data_out + c.channels * plane, 0.0f);
  std::fill(seg_out, seg_out + plane, static_cast<int8_t>(-1));
  Axes3 lo{}, hi{};
  for (int a = 0; a < 3; ++a) {
    lo[a] = std::max<int64_t>(corner[a], 0);
    hi[a] = std::min<int64_t>(corner[a] + size[a], c.shape[a]);
    if (hi[a] <= lo[a]) return;  // entirely outside
  }
  const int64_t Y = c.shape[1], X = c.shape[2], ZYX = c.shape[0] * Y * X;
  const int64_t row = hi[2] - lo[2];
  const float* src = c.data.as<float>();
  const int8_t* seg = c.seg.as<int8_t>();
  for (int64_t z = lo[0]; z < hi[0]; ++z)
    for (int64_t y = lo[1]; y < hi[1]; ++y) {
      const int64_t in = (z * Y + y) * X + lo[2];
      const int64_t out = ((z - corner[0]) * size[1] + (y - corner[1])) * size[2] + (lo[2] - corner[2]);
      for (int64_t ch = 0; ch < c.channels; ++ch)
        std::memcpy(data_out + ch * plane + out, src + ch * ZYX + in, static_cast<size_t>(row) * sizeof(float));
      std::memcpy(seg_out + out, seg + in, static_cast<size_t>(row));
    }
}

OversamplingSampler::OversamplingSampler(std::vector<std::shared_ptr<LoadedCase>> cases, SamplerOptions options)
    : cases_(std::move(cases)), options_(options) {
  if (cases_.empty()) throw std::invalid_argument("the sampler needs at least one case");
  const int64_t channels = cases_.front()->channels;
  for (const auto& c : cases_)
    if (c->channels != channels)
      throw std::invalid_argument("case " + c->id + " has " + std::to_string(c->channels) +
                                  " channels but case " + cases_.front()->id + " has " + std::to_string(channels));
}

bool OversamplingSampler::ForcedForeground(int64_t j, int64_t batch, double oversample) {
  return static_cast<double>(j) >= std::nearbyint(static_cast<double>(batch) * (1.0 - oversample));
}

Batch OversamplingSampler::Next(Rng& rng) {
  const int64_t B = options_.batch_size, C = cases_.front()->channels;
  const Axes3& P = options_.loader_patch;
  Batch batch;
  batch.data = torch::empty({B, C, P[0], P[1], P[2]}, torch::kFloat);
  batch.seg = torch::empty({B, P[0], P[1], P[2]}, torch::kChar);
  const int64_t plane = P[0] * P[1] * P[2];
  for (int64_t j = 0; j < B; ++j) {
    const LoadedCase& c = *cases_[static_cast<size_t>(rng.Int(0, static_cast<int64_t>(cases_.size()) - 1))];
    batch.ids.push_back(c.id);
    Axes3 need{}, lb{}, ub{}, corner{};
    for (int a = 0; a < 3; ++a) {
      need[a] = std::max<int64_t>(P[a] - options_.patch[a], P[a] - c.shape[a]);
      need[a] = std::max<int64_t>(need[a], 0);
      lb[a] = -((need[a] + 1) / 2);  // floor(-need/2)
      ub[a] = c.shape[a] + need[a] / 2 + need[a] % 2 - P[a];
    }
    const bool forced = ForcedForeground(j, B, options_.oversample_foreground) && !c.class_locations.empty();
    if (forced) {
      auto cls = c.class_locations.begin();
      std::advance(cls, rng.Int(0, static_cast<int64_t>(c.class_locations.size()) - 1));
      const Axes3& voxel = cls->second[static_cast<size_t>(rng.Int(0, static_cast<int64_t>(cls->second.size()) - 1))];
      for (int a = 0; a < 3; ++a) corner[a] = std::max(lb[a], voxel[a] - P[a] / 2);  // no upper clamp (reference)
    } else {
      for (int a = 0; a < 3; ++a) corner[a] = rng.Int(lb[a], std::max(lb[a], ub[a]));
    }
    CropPadded(c, corner, P, batch.data.data_ptr<float>() + j * C * plane, batch.seg.data_ptr<int8_t>() + j * plane);
  }
  return batch;
}

}  // namespace pipe_core

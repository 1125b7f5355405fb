// Opening and checking preprocessed cases (see cases.h).
#include "core/cases.h"

#include <random>
#include <stdexcept>
#include <utility>

namespace pipe_core {

namespace {

constexpr size_t kMaxStoredLocations = 10000;  // per class, as nnU-Net keeps at most
constexpr uint64_t kLocationSeed = 1234;       // nnU-Net seeds its class-location sampling with 1234

// Every voxel of each class > 0, at most kMaxStoredLocations per class (partial Fisher-Yates on an mt19937_64
// seeded with kLocationSeed: the same voxels on every standard library).
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
  std::mt19937_64 engine(kLocationSeed);
  for (auto& [cls, locs] : all) {
    if (locs.size() <= kMaxStoredLocations) continue;
    for (size_t i = 0; i < kMaxStoredLocations; ++i) {
      const uint64_t span = static_cast<uint64_t>(locs.size() - i);
      std::swap(locs[i], locs[i + static_cast<size_t>(engine() % span)]);
    }
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

}  // namespace pipe_core

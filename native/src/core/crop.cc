// nnU-Net v1's crop_to_nonzero (preprocess.h): the bounding box of the nonzero voxels, the hole-filled mask,
// the label marked -1 outside it. Two forms: CropToNonzero copies into new buffers, CropToNonzeroInPlace moves
// the cropped voxels to the front of the buffers it is given.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <type_traits>

#include "core/preprocess.h"
#include "core/preprocess_parallel.h"

namespace pipe_core {
namespace {

template <typename T>
inline bool Nonzero(T v) {
  return v != T(0);  // NaN != 0 counts as nonzero, like numpy
}

template <typename T>
inline T Cleaned(T v) {
  if constexpr (std::is_floating_point_v<T>) return std::isnan(v) ? T(0) : v;
  return v;
}

// The box of the union over channels of the nonzero voxels; throws when there is none.
template <typename T>
CropBox NonzeroBox(const std::vector<const T*>& channels, const Shape3& shape, int threads) {
  if (channels.empty()) throw std::invalid_argument("Expected at least one channel to crop but received none");
  const int64_t Z = shape[0], Y = shape[1], X = shape[2];
  // Per z slice: min/max y and x of nonzero voxels.
  std::vector<std::array<int64_t, 4>> slice_box(Z, {Y, -1, X, -1});
  ParallelFor(Z, threads, [&](int64_t z) {
    auto& b = slice_box[z];
    for (const T* ch : channels) {
      const T* s = ch + z * Y * X;
      for (int64_t y = 0; y < Y; ++y) {
        const T* row = s + y * X;
        int64_t first = -1, last = -1;
        for (int64_t x = 0; x < X; ++x) {
          if (Nonzero(row[x])) {
            if (first < 0) first = x;
            last = x;
          }
        }
        if (first >= 0) {
          b[0] = std::min(b[0], y);
          b[1] = std::max(b[1], y);
          b[2] = std::min(b[2], first);
          b[3] = std::max(b[3], last);
        }
      }
    }
  });
  int64_t z0 = Z, z1 = -1, y0 = Y, y1 = -1, x0 = X, x1 = -1;
  for (int64_t z = 0; z < Z; ++z) {
    const auto& b = slice_box[z];
    if (b[1] < 0) continue;
    z0 = std::min(z0, z), z1 = std::max(z1, z);
    y0 = std::min(y0, b[0]), y1 = std::max(y1, b[1]);
    x0 = std::min(x0, b[2]), x1 = std::max(x1, b[3]);
  }
  if (z1 < 0) throw std::invalid_argument("image is empty: every voxel of every channel is 0");
  CropBox box;
  box.bbox = {{{z0, z1 + 1}, {y0, y1 + 1}, {x0, x1 + 1}}};
  box.shape = {z1 + 1 - z0, y1 + 1 - y0, x1 + 1 - x0};
  return box;
}

// Offset in the source of row (z, y) of the box.
inline int64_t SourceRow(const CropBox& b, const Shape3& shape, int64_t z, int64_t y) {
  return ((z + b.bbox[0][0]) * shape[1] + (y + b.bbox[1][0])) * shape[2] + b.bbox[2][0];
}

// The nonzero mask inside the box (1), read from the uncropped channels.
template <typename T>
std::vector<uint8_t> BoxMask(const std::vector<const T*>& channels, const CropBox& b, const Shape3& shape,
                             int threads) {
  const int64_t cy = b.shape[1], cx = b.shape[2];
  std::vector<uint8_t> mask(static_cast<size_t>(b.shape[0] * cy * cx), 0);
  ParallelFor(b.shape[0], threads, [&](int64_t z) {
    for (const T* ch : channels) {
      for (int64_t y = 0; y < cy; ++y) {
        const T* s = ch + SourceRow(b, shape, z, y);
        uint8_t* m = mask.data() + (z * cy + y) * cx;
        for (int64_t x = 0; x < cx; ++x)
          if (Nonzero(s[x])) m[x] = 1;
      }
    }
  });
  return mask;
}

// Fill holes: background reachable from the box faces (6-connectivity) is outside (2); the rest is filled.
// Everything outside the box is background connected to the volume border, so the box faces stand in for the
// volume border.
void MarkOutside(std::vector<uint8_t>& mask, const Shape3& box) {
  const int64_t cz = box[0], cy = box[1], cx = box[2];
  if (cz * cy * cx > static_cast<int64_t>(std::numeric_limits<uint32_t>::max())) {
    throw std::invalid_argument("cropped volume has more than 2^32 voxels");
  }
  std::vector<uint32_t> stack;
  auto push = [&](int64_t i) {
    if (mask[i] == 0) {
      mask[i] = 2;
      stack.push_back(static_cast<uint32_t>(i));
    }
  };
  for (int64_t z = 0; z < cz; ++z) {
    for (int64_t y = 0; y < cy; ++y) {
      const int64_t row = (z * cy + y) * cx;
      if (z == 0 || z == cz - 1 || y == 0 || y == cy - 1) {
        for (int64_t x = 0; x < cx; ++x) push(row + x);
      } else {
        push(row);
        push(row + cx - 1);
      }
    }
  }
  while (!stack.empty()) {
    const int64_t i = stack.back();
    stack.pop_back();
    const int64_t x = i % cx, y = (i / cx) % cy, z = i / (cx * cy);
    if (x > 0) push(i - 1);
    if (x < cx - 1) push(i + 1);
    if (y > 0) push(i - cx);
    if (y < cy - 1) push(i + cx);
    if (z > 0) push(i - cx * cy);
    if (z < cz - 1) push(i + cx * cy);
  }
}

// One label row of the box: < -1 -> 0, background outside the mask -> -1. `s` may be null (no label), or equal
// to `d` (in place).
inline void LabelRow(const int8_t* s, int8_t* d, const uint8_t* m, int64_t n) {
  for (int64_t x = 0; x < n; ++x) {
    int8_t v = s ? s[x] : 0;
    if (v < -1) v = 0;
    if (v == 0 && m[x] == 2) v = -1;
    d[x] = v;
  }
}

}  // namespace

CropResult CropToNonzero(const std::vector<const float*>& channels, const int8_t* seg, const Shape3& shape,
                         int threads) {
  const CropBox box = NonzeroBox(channels, shape, threads);
  CropResult r;
  r.bbox = box.bbox;
  r.shape = box.shape;
  const int64_t cz = box.shape[0], cy = box.shape[1], cx = box.shape[2];
  const int64_t n = cz * cy * cx;
  std::vector<uint8_t> mask = BoxMask(channels, box, shape, threads);
  r.channels.resize(channels.size());
  for (auto& c : r.channels) c.resize(static_cast<size_t>(n));
  ParallelFor(cz, threads, [&](int64_t z) {
    for (size_t c = 0; c < channels.size(); ++c) {
      for (int64_t y = 0; y < cy; ++y) {
        const float* s = channels[c] + SourceRow(box, shape, z, y);
        float* d = r.channels[c].data() + (z * cy + y) * cx;
        for (int64_t x = 0; x < cx; ++x) d[x] = Cleaned(s[x]);
      }
    }
  });
  MarkOutside(mask, box.shape);
  r.seg.assign(static_cast<size_t>(n), 0);
  ParallelFor(cz, threads, [&](int64_t z) {
    for (int64_t y = 0; y < cy; ++y) {
      const int64_t at = (z * cy + y) * cx;
      LabelRow(seg ? seg + SourceRow(box, shape, z, y) : nullptr, r.seg.data() + at, mask.data() + at, cx);
    }
  });
  return r;
}

template <typename T>
CropBox CropToNonzeroInPlace(const std::vector<T*>& channels, int8_t* seg, const Shape3& shape, int threads) {
  if (seg == nullptr) throw std::invalid_argument("Expected a label to crop in place but received none");
  const std::vector<const T*> readonly(channels.begin(), channels.end());
  const CropBox box = NonzeroBox(readonly, shape, threads);
  std::vector<uint8_t> mask = BoxMask(readonly, box, shape, threads);
  MarkOutside(mask, box.shape);
  const int64_t cz = box.shape[0], cy = box.shape[1], cx = box.shape[2];
  if (box.shape == shape) {
    // Nothing moves: clean the values where they are.
    ParallelFor(cz, threads, [&](int64_t z) {
      for (int64_t y = 0; y < cy; ++y) {
        const int64_t at = (z * cy + y) * cx;
        if constexpr (std::is_floating_point_v<T>) {
          for (T* ch : channels)
            for (int64_t x = 0; x < cx; ++x) ch[at + x] = Cleaned(ch[at + x]);
        }
        LabelRow(seg + at, seg + at, mask.data() + at, cx);
      }
    });
    return box;
  }
  // Rows move towards the front in increasing order: a row's destination never lies past its source, but may
  // overlap sources of earlier rows, so this runs in order on one thread.
  for (int64_t z = 0; z < cz; ++z) {
    for (int64_t y = 0; y < cy; ++y) {
      const int64_t from = SourceRow(box, shape, z, y), to = (z * cy + y) * cx;
      for (T* ch : channels) {
        std::memmove(ch + to, ch + from, static_cast<size_t>(cx) * sizeof(T));
        if constexpr (std::is_floating_point_v<T>)
          for (int64_t x = 0; x < cx; ++x) ch[to + x] = Cleaned(ch[to + x]);
      }
      std::memmove(seg + to, seg + from, static_cast<size_t>(cx));
      LabelRow(seg + to, seg + to, mask.data() + to, cx);
    }
  }
  return box;
}

template CropBox CropToNonzeroInPlace<float>(const std::vector<float*>&, int8_t*, const Shape3&, int);
template CropBox CropToNonzeroInPlace<int16_t>(const std::vector<int16_t*>&, int8_t*, const Shape3&, int);

}  // namespace pipe_core

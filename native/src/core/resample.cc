#include "core/resample.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

#include "core/preprocess_parallel.h"
#include "core/resample_clip.h"

namespace pipe_core {
namespace {

constexpr int64_t kPad = 12;    // scipy pads lines by 12 edge values before prefiltering (mode 'nearest')
constexpr int64_t kChunk = 64;  // lines resampled together (one block per work unit)
const double kPole = std::sqrt(3.0) - 2.0;

void CheckShapes(const Shape3& shape, const Shape3& new_shape, int nearest_axis) {
  for (int a = 0; a < 3; ++a) {
    if (shape[a] < 1 || new_shape[a] < 1) {
      throw std::invalid_argument("Expected positive sizes for resampling but received shape [" +
                                  std::to_string(shape[0]) + "," + std::to_string(shape[1]) + "," +
                                  std::to_string(shape[2]) + "] -> [" + std::to_string(new_shape[0]) + "," +
                                  std::to_string(new_shape[1]) + "," + std::to_string(new_shape[2]) + "]");
    }
  }
  if (nearest_axis < -1 || nearest_axis > 2) {
    throw std::invalid_argument("Expected nearest_axis in -1..2 but received " + std::to_string(nearest_axis));
  }
}

inline int64_t Clamp(int64_t i, int64_t n) { return i < 0 ? 0 : (i >= n ? n - 1 : i); }

// Prefilters a block of w lines stored row-wise (buf[r * w + j] is sample r of line j) in place:
// the same recursions as CubicSplinePrefilter, run across the w lines at once (vectorisable).
void PrefilterRows(double* buf, int64_t n, int64_t w) {
  const double z = kPole;
  const double gain = (1.0 - z) * (1.0 - 1.0 / z);
  for (int64_t i = 0; i < n * w; ++i) buf[i] *= gain;
  double* c0 = buf;
  if (n <= 48) {
    // Exact mirror initialisation (scipy's _init_causal_mirror); matters only for short lines.
    const double z_n_1 = std::pow(z, static_cast<double>(n - 1));
    const double* last = buf + (n - 1) * w;
    thread_local std::vector<double> acc;
    acc.assign(static_cast<size_t>(w), 0.0);
    for (int64_t j = 0; j < w; ++j) acc[j] = c0[j] + z_n_1 * last[j];
    double z_i = z;
    for (int64_t i = 1; i < n - 1; ++i) {
      const double* a = buf + i * w;
      const double* b = buf + (n - 1 - i) * w;
      for (int64_t j = 0; j < w; ++j) acc[j] += z_i * (a[j] + z_n_1 * b[j]);
      z_i *= z;
    }
    const double norm = 1.0 / (1.0 - z_n_1 * z_n_1);
    for (int64_t j = 0; j < w; ++j) c0[j] = acc[j] * norm;
  } else {
    // z^40 < 1e-22: later terms (and the mirrored ones, weighted by z^(n-1)) vanish in double precision.
    thread_local std::vector<double> acc;
    acc.assign(c0, c0 + w);
    double z_i = z;
    for (int64_t i = 1; i <= 40; ++i) {
      const double* a = buf + i * w;
      for (int64_t j = 0; j < w; ++j) acc[j] += z_i * a[j];
      z_i *= z;
    }
    std::copy(acc.begin(), acc.end(), c0);
  }
  for (int64_t r = 1; r < n; ++r) {
    double* cur = buf + r * w;
    const double* prev = cur - w;
    for (int64_t j = 0; j < w; ++j) cur[j] += z * prev[j];
  }
  double* last = buf + (n - 1) * w;
  const double* before = last - w;
  const double f = z / (z * z - 1.0);
  for (int64_t j = 0; j < w; ++j) last[j] = (z * before[j] + last[j]) * f;
  for (int64_t r = n - 2; r >= 0; --r) {
    double* cur = buf + r * w;
    const double* next = cur + w;
    for (int64_t j = 0; j < w; ++j) cur[j] = z * (next[j] - cur[j]);
  }
}

// Resamples axis `n -> m` of a C-order (outer, n, inner) array with the cubic spline (T: float or int16_t,
// read as double either way). Lines are processed in blocks of up to kChunk: consecutive columns when
// inner > 1, consecutive lines when the axis is the last one. Each line's arithmetic depends on that
// line alone, so any split of a volume into planes gives the same values.
template <typename T>
void SplineAxis(const T* src, float* dst, int64_t outer, int64_t n, int64_t inner, int64_t m, int order, int threads) {
  const int64_t padded = n + 2 * kPad;
  std::vector<int64_t> first(m);
  std::vector<std::array<double, 4>> weights(m);
  for (int64_t i = 0; i < m; ++i) {
    const double c = GridCoordinate(i, n, m) + kPad;
    const double f = std::floor(c);
    const double t = c - f;
    if (order == 1) {
      // Linear: taps floor(c), floor(c) + 1 of the edge-padded line (== clamped indices, mode 'nearest').
      first[i] = static_cast<int64_t>(f);
      weights[i] = {1.0 - t, t, 0.0, 0.0};
      continue;
    }
    first[i] = static_cast<int64_t>(f) - 1;
    const double t2 = t * t, t3 = t2 * t, u = 1.0 - t;
    weights[i] = {u * u * u / 6.0, (4.0 - 6.0 * t2 + 3.0 * t3) / 6.0, (1.0 + 3.0 * t + 3.0 * t2 - 3.0 * t3) / 6.0,
                  t3 / 6.0};
  }
  // Blocks never straddle two `outer` rows when inner > 1, so their columns are contiguous.
  const int64_t per_outer = inner > 1 ? (inner + kChunk - 1) / kChunk : 1;
  const int64_t units = inner > 1 ? outer * per_outer : (outer + kChunk - 1) / kChunk;
  ParallelFor(units, threads, [&](int64_t unit) {
    thread_local std::vector<double> buf;
    int64_t w, src_base, dst_base, src_col, dst_col, src_row, dst_row;
    if (inner > 1) {
      const int64_t o = unit / per_outer;
      const int64_t j0 = (unit % per_outer) * kChunk;
      w = std::min(kChunk, inner - j0);
      src_base = o * n * inner + j0, dst_base = o * m * inner + j0;
      src_col = 1, dst_col = 1, src_row = inner, dst_row = inner;
    } else {
      const int64_t o0 = unit * kChunk;
      w = std::min(kChunk, outer - o0);
      src_base = o0 * n, dst_base = o0 * m;
      src_col = n, dst_col = m, src_row = 1, dst_row = 1;
    }
    buf.resize(static_cast<size_t>(padded * w));
    for (int64_t r = 0; r < padded; ++r) {
      const T* row = src + src_base + Clamp(r - kPad, n) * src_row;
      double* b = buf.data() + r * w;
      if (src_col == 1) {
        for (int64_t j = 0; j < w; ++j) b[j] = row[j];
      } else {
        for (int64_t j = 0; j < w; ++j) b[j] = row[j * src_col];
      }
    }
    if (order == 3) PrefilterRows(buf.data(), padded, w);
    for (int64_t i = 0; i < m; ++i) {
      const auto& wt = weights[i];
      const double* r0 = buf.data() + Clamp(first[i], padded) * w;
      const double* r1 = buf.data() + Clamp(first[i] + 1, padded) * w;
      const double* r2 = buf.data() + Clamp(first[i] + 2, padded) * w;
      const double* r3 = buf.data() + Clamp(first[i] + 3, padded) * w;
      float* out = dst + dst_base + i * dst_row;
      if (dst_col == 1) {
        for (int64_t j = 0; j < w; ++j) {
          out[j] = static_cast<float>(wt[0] * r0[j] + wt[1] * r1[j] + wt[2] * r2[j] + wt[3] * r3[j]);
        }
      } else {
        for (int64_t j = 0; j < w; ++j) {
          out[j * dst_col] = static_cast<float>(wt[0] * r0[j] + wt[1] * r1[j] + wt[2] * r2[j] + wt[3] * r3[j]);
        }
      }
    }
  });
}

inline int64_t NearestIndex(int64_t i, int64_t n, int64_t m) {
  return Clamp(static_cast<int64_t>(std::floor(GridCoordinate(i, n, m) + 0.5)), n);
}

// Order 0 along axis `n -> m` of a C-order (outer, n, inner) array: whole rows are copied (converted).
template <typename T, typename U>
void NearestAxis(const T* src, U* dst, int64_t outer, int64_t n, int64_t inner, int64_t m, int threads) {
  ParallelFor(outer * m, threads, [&](int64_t unit) {
    const int64_t o = unit / m, i = unit % m;
    const T* s = src + (o * n + NearestIndex(i, n, m)) * inner;
    std::copy(s, s + inner, dst + (o * m + i) * inner);
  });
}

// One pass along `axis` of a volume of `shape` into `new_size` samples: order 0 on the nearest axis, else
// the spline of `order`.
template <typename T>
void AxisPass(const T* in, float* out, const Shape3& shape, int axis, int64_t new_size, int nearest_axis, int order,
              int threads) {
  int64_t outer = 1, inner = 1;
  for (int k = 0; k < axis; ++k) outer *= shape[k];
  for (int k = axis + 1; k < 3; ++k) inner *= shape[k];
  if (axis == nearest_axis) {
    NearestAxis(in, out, outer, shape[axis], inner, new_size, threads);
  } else {
    SplineAxis(in, out, outer, shape[axis], inner, new_size, order, threads);
  }
}

int64_t Voxels(const Shape3& s) { return s[0] * s[1] * s[2]; }

// The axes to resample, those that shrink the volume most first (the later passes then touch fewer voxels).
std::vector<int> PassOrder(const Shape3& shape, const Shape3& new_shape) {
  std::array<int, 3> axes{0, 1, 2};
  std::stable_sort(axes.begin(), axes.end(), [&](int p, int q) {
    return static_cast<double>(new_shape[p]) / shape[p] < static_cast<double>(new_shape[q]) / shape[q];
  });
  std::vector<int> order;
  for (int a : axes)
    if (shape[a] != new_shape[a]) order.push_back(a);
  return order;
}

struct Taps {
  // Up to two source indices and weights per output index of one axis.
  std::vector<std::array<int64_t, 2>> index;
  std::vector<std::array<double, 2>> weight;
};

Taps AxisTaps(int64_t n, int64_t m, bool nearest) {
  Taps taps;
  taps.index.resize(m);
  taps.weight.resize(m);
  for (int64_t i = 0; i < m; ++i) {
    if (nearest || n == m) {
      const int64_t k = n == m ? i : NearestIndex(i, n, m);
      taps.index[i] = {k, k};
      taps.weight[i] = {1.0, 0.0};
    } else {
      const double c = GridCoordinate(i, n, m);
      const double f = std::floor(c);
      const double t = c - f;
      const int64_t k = static_cast<int64_t>(f);
      taps.index[i] = {Clamp(k, n), Clamp(k + 1, n)};
      taps.weight[i] = {1.0 - t, t};
    }
  }
  return taps;
}

}  // namespace

void CubicSplinePrefilter(double* c, int64_t n, int64_t stride) {
  if (n < 2) return;
  const double z = kPole;
  const double gain = (1.0 - z) * (1.0 - 1.0 / z);
  for (int64_t i = 0; i < n; ++i) c[i * stride] *= gain;
  // Causal initialisation for mirror-symmetric boundaries (scipy's _init_causal_mirror).
  const double z_n_1 = std::pow(z, static_cast<double>(n - 1));
  double c0 = c[0] + z_n_1 * c[(n - 1) * stride];
  double z_i = z;
  for (int64_t i = 1; i < n - 1; ++i) {
    c0 += z_i * (c[i * stride] + z_n_1 * c[(n - 1 - i) * stride]);
    z_i *= z;
    if (std::fabs(z_i) < 1e-300) break;
  }
  c[0] = c0 / (1.0 - z_n_1 * z_n_1);
  for (int64_t i = 1; i < n; ++i) c[i * stride] += z * c[(i - 1) * stride];
  // Anticausal initialisation (scipy's _init_anticausal_mirror), then the backward pass.
  c[(n - 1) * stride] = (z * c[(n - 2) * stride] + c[(n - 1) * stride]) * z / (z * z - 1.0);
  for (int64_t i = n - 2; i >= 0; --i) c[i * stride] = z * (c[(i + 1) * stride] - c[i * stride]);
}

ImageResampling::ImageResampling(const Shape3& shape, const Shape3& new_shape, int nearest_axis, int order)
    : shape_(shape), new_shape_(new_shape), nearest_axis_(nearest_axis), order_(order) {
  CheckShapes(shape, new_shape, nearest_axis);
  if (order != 1 && order != 3)
    throw std::invalid_argument("Expected order 1 or 3 but received " + std::to_string(order));
  const std::vector<int> passes = PassOrder(shape, new_shape);
  // Planes of constant z or y are rows of contiguous x values; planes of constant x are strided columns,
  // gathered one value at a time: those two passes stay whole-volume passes.
  const auto third = [](int a, int b) { return 3 - a - b; };
  if (passes.size() == 3) {
    if (passes[0] != 2) {
      steps_ = {{passes[0]}, {passes[1], passes[2]}};
    } else {
      steps_ = {{passes[0], passes[1]}, {passes[2]}};  // the third axis of the pair is passes[2], not x
    }
  } else if (passes.size() == 2 && third(passes[0], passes[1]) != 2) {
    steps_ = {{passes[0], passes[1]}};
  } else {
    for (int a : passes) steps_.push_back({a});
  }
  if (!steps_.empty()) {
    mid_shape_ = shape;
    mid_shape_[steps_[0].axis] = new_shape[steps_[0].axis];
    if (steps_[0].second >= 0) mid_shape_[steps_[0].second] = new_shape[steps_[0].second];
  }
}

int64_t ImageResampling::IntermediateVoxels() const { return SingleStep() ? 0 : Voxels(mid_shape_); }

template <typename T>
void ImageResampling::Run(const Step& step, const T* in, const Shape3& in_shape, float* out, int threads) const {
  if (step.second < 0) {
    AxisPass(in, out, in_shape, step.axis, new_shape_[step.axis], nearest_axis_, order_, threads);
    return;
  }
  // Plane by plane along the third axis s: gather a plane (rows p, columns q, p < q) as float, resample it
  // along step.axis then step.second with the whole-volume kernels on a 2-D array, scatter it into `out`.
  const int a = step.axis, b = step.second, s = 3 - a - b;
  const int p = std::min(a, b), q = std::max(a, b);
  Shape3 out_shape = in_shape;
  out_shape[a] = new_shape_[a];
  out_shape[b] = new_shape_[b];
  const Shape3 in_stride{in_shape[1] * in_shape[2], in_shape[2], 1};
  const Shape3 out_stride{out_shape[1] * out_shape[2], out_shape[2], 1};
  ParallelFor(in_shape[s], threads, [&](int64_t i) {
    thread_local std::vector<float> plane, once, twice;
    Shape3 cur{1, in_shape[p], in_shape[q]};  // the plane as a (1, rows, columns) volume
    plane.resize(static_cast<size_t>(cur[1] * cur[2]));
    for (int64_t r = 0; r < cur[1]; ++r) {
      const T* row = in + i * in_stride[s] + r * in_stride[p];
      float* d = plane.data() + r * cur[2];
      for (int64_t c = 0; c < cur[2]; ++c) d[c] = static_cast<float>(row[c * in_stride[q]]);
    }
    const float* from = plane.data();
    std::vector<float>* bufs[2] = {&once, &twice};
    for (int k = 0; k < 2; ++k) {
      const int axis = k == 0 ? a : b;
      const int plane_axis = axis == p ? 1 : 2;
      Shape3 next = cur;
      next[plane_axis] = new_shape_[axis];
      bufs[k]->resize(static_cast<size_t>(Voxels(next)));
      AxisPass(from, bufs[k]->data(), cur, plane_axis, next[plane_axis], axis == nearest_axis_ ? plane_axis : -1,
               order_, 1);
      from = bufs[k]->data();
      cur = next;
    }
    for (int64_t r = 0; r < cur[1]; ++r) {
      float* row = out + i * out_stride[s] + r * out_stride[p];
      const float* src = from + r * cur[2];
      for (int64_t c = 0; c < cur[2]; ++c) row[c * out_stride[q]] = src[c];
    }
  });
}

template <typename T>
void ImageResampling::Start(const T* src, float* out, int threads) {
  if (started_) throw std::logic_error("ImageResampling::Start called twice");
  started_ = true;
  if (steps_.empty()) {
    // Same shape: the values as they are (no clip needed: they are within their own range).
    if (out == nullptr) throw std::invalid_argument("ImageResampling: Start needs the output for a single step");
    std::copy(src, src + Voxels(shape_), out);
    return;
  }
  range_ = InputRange(src, shape_, nearest_axis_, threads);
  if (SingleStep()) {
    if (out == nullptr) throw std::invalid_argument("ImageResampling: Start needs the output for a single step");
    Run(steps_[0], src, shape_, out, threads);
    ClipToRange(range_, shape_, out, new_shape_, threads);
    return;
  }
  mid_.resize(static_cast<size_t>(Voxels(mid_shape_)));
  Run(steps_[0], src, shape_, mid_.data(), threads);
}

template void ImageResampling::Start<float>(const float*, float*, int);
template void ImageResampling::Start<int16_t>(const int16_t*, float*, int);

void ImageResampling::Finish(float* out, int threads) {
  if (!started_) throw std::logic_error("ImageResampling::Finish called before Start");
  if (SingleStep()) return;
  std::vector<float> in = std::move(mid_);
  Shape3 cur = mid_shape_;
  for (size_t k = 1; k < steps_.size(); ++k) {
    const Step& step = steps_[k];
    Shape3 next = cur;
    next[step.axis] = new_shape_[step.axis];
    if (step.second >= 0) next[step.second] = new_shape_[step.second];
    const bool last = k + 1 == steps_.size();
    std::vector<float> tmp;
    if (!last) tmp.resize(static_cast<size_t>(Voxels(next)));
    Run(step, in.data(), cur, last ? out : tmp.data(), threads);
    in = std::move(tmp);  // frees the step's input
    cur = next;
  }
  ClipToRange(range_, shape_, out, new_shape_, threads);
}

namespace {

template <typename T>
std::vector<float> ResampleWhole(const T* src, const Shape3& shape, const Shape3& new_shape, int nearest_axis,
                                 int threads, int order) {
  ImageResampling r(shape, new_shape, nearest_axis, order);
  std::vector<float> out(static_cast<size_t>(Voxels(new_shape)));
  r.Start(src, out.data(), threads);
  r.Finish(out.data(), threads);
  return out;
}

}  // namespace

std::vector<float> ResampleImage(const float* src, const Shape3& shape, const Shape3& new_shape, int nearest_axis,
                                 int threads, int order) {
  return ResampleWhole(src, shape, new_shape, nearest_axis, threads, order);
}

std::vector<float> ResampleImage(const int16_t* src, const Shape3& shape, const Shape3& new_shape, int nearest_axis,
                                 int threads, int order) {
  return ResampleWhole(src, shape, new_shape, nearest_axis, threads, order);
}

std::vector<float> ResampleImageByAxes(const float* src, const Shape3& shape, const Shape3& new_shape, int nearest_axis,
                                       int threads, int order) {
  CheckShapes(shape, new_shape, nearest_axis);
  if (order != 1 && order != 3)
    throw std::invalid_argument("Expected order 1 or 3 but received " + std::to_string(order));
  if (shape == new_shape) return std::vector<float>(src, src + Voxels(shape));
  Shape3 cur = shape;
  const float* in = src;
  std::vector<float> a, b;
  for (int axis : PassOrder(shape, new_shape)) {
    b.resize(static_cast<size_t>(Voxels(cur) / cur[axis] * new_shape[axis]));
    AxisPass(in, b.data(), cur, axis, new_shape[axis], nearest_axis, order, threads);
    cur[axis] = new_shape[axis];
    a.swap(b);
    in = a.data();
  }
  ClipToInputRange(src, shape, a.data(), new_shape, nearest_axis, threads);
  return a;
}

std::vector<int8_t> ResampleLabels(const int8_t* src, const Shape3& shape, const Shape3& new_shape, int nearest_axis,
                                   int threads) {
  CheckShapes(shape, new_shape, nearest_axis);
  std::vector<int8_t> out(static_cast<size_t>(Voxels(new_shape)));
  ResampleLabels(src, shape, new_shape, nearest_axis, threads, out.data());
  return out;
}

void ResampleLabels(const int8_t* src, const Shape3& shape, const Shape3& new_shape, int nearest_axis, int threads,
                    int8_t* out) {
  CheckShapes(shape, new_shape, nearest_axis);
  if (shape == new_shape) {
    std::copy(src, src + Voxels(shape), out);
    return;
  }
  const Taps tz = AxisTaps(shape[0], new_shape[0], nearest_axis == 0);
  const Taps ty = AxisTaps(shape[1], new_shape[1], nearest_axis == 1);
  const Taps tx = AxisTaps(shape[2], new_shape[2], nearest_axis == 2);
  const int64_t sy = shape[2], sz = shape[1] * shape[2];
  ParallelFor(new_shape[0] * new_shape[1], threads, [&](int64_t unit) {
    const int64_t z = unit / new_shape[1], y = unit % new_shape[1];
    // The (up to 4) source rows feeding this output row, with their z*y weights.
    const int8_t* rows[4];
    double row_w[4];
    int nrows = 0;
    for (int a = 0; a < 2; ++a) {
      if (tz.weight[z][a] == 0.0) continue;
      for (int b = 0; b < 2; ++b) {
        const double w = tz.weight[z][a] * ty.weight[y][b];
        if (w == 0.0) continue;
        rows[nrows] = src + tz.index[z][a] * sz + ty.index[y][b] * sy;
        row_w[nrows++] = w;
      }
    }
    int8_t* row = out + unit * new_shape[2];
    for (int64_t x = 0; x < new_shape[2]; ++x) {
      const int64_t x0 = tx.index[x][0], x1 = tx.index[x][1];
      const double w0 = tx.weight[x][0], w1 = tx.weight[x][1];
      // Fast path: every contributing voxel has the same label (weights sum to 1 >= 0.5).
      const int8_t v0 = rows[0][x0];
      bool uniform = true;
      for (int r = 0; r < nrows && uniform; ++r) uniform = rows[r][x0] == v0 && (w1 == 0.0 || rows[r][x1] == v0);
      if (uniform) {
        row[x] = v0 < -1 ? 0 : v0;
        continue;
      }
      int8_t labels[8];
      double sums[8];
      int count = 0;
      auto add = [&](int8_t v, double w) {
        if (w == 0.0) return;
        int k = 0;
        while (k < count && labels[k] != v) ++k;
        if (k == count) {
          labels[count] = v;
          sums[count++] = 0.0;
        }
        sums[k] += w;
      };
      for (int r = 0; r < nrows; ++r) {
        add(rows[r][x0], row_w[r] * w0);
        add(rows[r][x1], row_w[r] * w1);
      }
      // Ascending label order with overwrite == the highest label whose weight reaches 0.5.
      int best = 0;
      bool found = false;
      for (int k = 0; k < count; ++k) {
        if (sums[k] >= 0.5 && (!found || labels[k] > best)) {
          best = labels[k];
          found = true;
        }
      }
      row[x] = static_cast<int8_t>(found ? (best < -1 ? 0 : best) : 0);
    }
  });
}

}  // namespace pipe_core

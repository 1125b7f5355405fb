// The extent of a (z, y, x) volume or patch in voxels: one type for the preprocessing, loading and
// augmentation code (resample.h, augment.h and the files built on them).
#pragma once

#include <array>
#include <cstdint>

namespace pipe_core {

using Shape3 = std::array<int64_t, 3>;  // (z, y, x)

}  // namespace pipe_core

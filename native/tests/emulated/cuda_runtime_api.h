// Stand-in for CUDA's <cuda_runtime_api.h> in the host emulation of the kernels: see cuda_emulation.h.
#pragma once

#include "cuda_emulation.h"

// Stand-in for CUDA's <cuda_fp16.h> in the host emulation of the kernels: see cuda_emulation.h.
#pragma once

#include "cuda_emulation.h"

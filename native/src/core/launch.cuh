// PIPE_LAUNCH(kernel, grid, block, stream, args...) is kernel<<<grid, block, 0, stream>>>(args...). A macro rather
// than the launch syntax itself so that the host emulation of the kernels (tests/emulated/cuda_emulation.h), which
// defines it first, can run the same .cu sources on CPU threads in the CPU test suite. For .cu files only.
#pragma once

#ifndef PIPE_LAUNCH
#define PIPE_LAUNCH(kernel, grid, block, stream, ...) kernel<<<(grid), (block), 0, (stream)>>>(__VA_ARGS__)
#endif

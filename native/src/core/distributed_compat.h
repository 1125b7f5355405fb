// LibTorch 1.13 / 2.x differences of the c10d C++ API, kept out of distributed.cc: in 1.13 the Gloo and NCCL
// process groups derive from c10d::ProcessGroup, from 2.0 on they are c10d::Backend implementations. The
// collective signatures used here (broadcast / allreduce / barrier returning intrusive_ptr<c10d::Work>) are the
// same in both. PIPE_HAVE_C10D_GLOO / PIPE_HAVE_C10D_NCCL come from CMake's header probe.
#pragma once

#include <torch/version.h>

#if PIPE_HAVE_C10D_GLOO
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#if PIPE_HAVE_C10D_NCCL
#ifndef USE_C10D_NCCL
#define USE_C10D_NCCL
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
// The base class and the collectives' types directly, so a build with neither Gloo nor NCCL still compiles (its
// DistributedContext then refuses every backend by name).
#if TORCH_VERSION_MAJOR >= 2
#include <torch/csrc/distributed/c10d/Backend.hpp>
#else
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#endif

namespace pipe_core::compat {

#if TORCH_VERSION_MAJOR >= 2
using C10dBackend = c10d::Backend;
#else
using C10dBackend = c10d::ProcessGroup;
#endif

}  // namespace pipe_core::compat

# Which c10d process groups this LibTorch offers to C++: sets PIPE_HAVE_C10D_GLOO / PIPE_HAVE_C10D_NCCL (0/1) and
# PIPE_C10D_INCLUDE_DIRS (extra include dirs, e.g. the NCCL headers of the nvidia-nccl wheel).
set(PIPE_HAVE_C10D_GLOO 0)
set(PIPE_HAVE_C10D_NCCL 0)
set(PIPE_C10D_INCLUDE_DIRS "")
set(_pipe_inc ${TORCH_INCLUDE_DIRS} /usr/include)
find_path(PIPE_C10D_DIR torch/csrc/distributed/c10d/TCPStore.hpp PATHS ${_pipe_inc} NO_DEFAULT_PATH)
find_path(PIPE_GLOO_DIR gloo/algorithm.h PATHS ${_pipe_inc} NO_DEFAULT_PATH)
# -DPIPE_DISABLE_C10D_GLOO=ON builds as the pip wheels do (no Gloo), to exercise the Gloo-less skips on any machine.
option(PIPE_DISABLE_C10D_GLOO "build without c10d's Gloo process group even where its headers exist" OFF)
if(NOT PIPE_DISABLE_C10D_GLOO AND PIPE_C10D_DIR AND PIPE_GLOO_DIR AND EXISTS "${PIPE_C10D_DIR}/torch/csrc/distributed/c10d/ProcessGroupGloo.hpp")
  set(PIPE_HAVE_C10D_GLOO 1)
  list(APPEND PIPE_C10D_INCLUDE_DIRS ${PIPE_GLOO_DIR})
endif()
if(PIPE_TORCH_HAS_CUDA AND PIPE_C10D_DIR AND EXISTS "${PIPE_C10D_DIR}/torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp")
  # nccl.h: NCCL_HOME / CUDA toolkit / the nvidia-nccl-cu* wheel next to torch.
  get_filename_component(_pipe_site "${Torch_DIR}/../../../.." ABSOLUTE)
  find_path(PIPE_NCCL_DIR nccl.h
            PATHS $ENV{NCCL_HOME}/include $ENV{NCCL_INCLUDE_DIR} ${_pipe_inc} ${CUDAToolkit_INCLUDE_DIRS}
                  ${_pipe_site}/nvidia/nccl/include /usr/local/cuda/include)
  if(PIPE_NCCL_DIR)
    set(PIPE_HAVE_C10D_NCCL 1)
    list(APPEND PIPE_C10D_INCLUDE_DIRS ${PIPE_NCCL_DIR})
  endif()
endif()
list(REMOVE_ITEM PIPE_C10D_INCLUDE_DIRS /usr/include /usr/local/include)
message(STATUS "pipe: c10d Gloo: ${PIPE_HAVE_C10D_GLOO}, c10d NCCL: ${PIPE_HAVE_C10D_NCCL}")

# Prints which LibTorch was linked and whether it carries CUDA; sets PIPE_TORCH_HAS_CUDA (0/1)
# and PIPE_TORCH_LIB_DIR.
set(PIPE_TORCH_HAS_CUDA 0)
if(TORCH_CUDA_LIBRARIES OR CUDA_FOUND OR CUDAToolkit_FOUND)
  set(PIPE_TORCH_HAS_CUDA 1)
endif()
get_filename_component(PIPE_TORCH_LIB_DIR "${TORCH_LIBRARY}" DIRECTORY)
message(STATUS "pipe: LibTorch ${Torch_VERSION} from ${Torch_DIR} (libraries in ${PIPE_TORCH_LIB_DIR}), CUDA: ${PIPE_TORCH_HAS_CUDA}")

#!/usr/bin/env bash
# Compiles every CUDA source of the native runtime (native/src/**/*.cu) for sm_90 with warnings as errors, without
# linking or running: a machine without a GPU learns here, not on the device, that a kernel does not compile.
# The .cu files include no LibTorch (plain C++ interfaces), so nvcc alone builds them. When no nvcc is found it
# installs Debian's non-free nvidia-cuda-toolkit (11.8, sm_90 capable; needs root and a large download) after
# adding the `contrib non-free` components of the system's Debian mirror in /etc/apt/sources.list.d/.
# Not part of npm test.
#   bash native/scripts/cuda-compile-check.sh
#   -> last line: "cuda-compile: N sources compile for sm_90 (nvcc X); M C++ sources compile with the CUDA branch on"
#   (the C++ files of the CUDA path, syntax-checked against the LibTorch headers in TORCH_INCLUDE, /usr/include).
# Env: NVCC (path of nvcc; default: PATH, then /usr/local/cuda/bin), ARCH (sm_90).
# Exit: 0 all compile, 1 a source fails (nvcc's errors are printed), 3 no nvcc and it could not be installed.
set -euo pipefail
cd "$(dirname "$0")/../.."
ARCH=${ARCH:-sm_90}

find_nvcc() {
  if [ -n "${NVCC:-}" ]; then echo "$NVCC"; return; fi
  command -v nvcc && return
  [ -x /usr/local/cuda/bin/nvcc ] && echo /usr/local/cuda/bin/nvcc
  return 0
}

install_toolkit() {  # Debian bookworm's nvidia-cuda-toolkit from the non-free component of the configured mirror
  [ "$(id -u)" = 0 ] || { echo "cuda-compile: no nvcc, and installing nvidia-cuda-toolkit needs root" >&2; return 1; }
  local list=/etc/apt/sources.list.d/pipe-cuda-nonfree.sources
  if [ ! -f "$list" ]; then
    local uri
    uri=$(awk '$1 == "URIs:" { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    uri=${uri:-http://deb.debian.org/debian}
    printf 'Types: deb\nURIs: %s\nSuites: bookworm bookworm-updates\nComponents: contrib non-free\nSigned-By: %s\n' \
      "$uri" /usr/share/keyrings/debian-archive-keyring.gpg > "$list"
  fi
  echo "cuda-compile: installing nvidia-cuda-toolkit (large download) ..." >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nvidia-cuda-toolkit
}

nvcc=$(find_nvcc)
if [ -z "$nvcc" ]; then
  install_toolkit || { echo "cuda-compile: could not install nvidia-cuda-toolkit" >&2; exit 3; }
  nvcc=$(find_nvcc)
  [ -n "$nvcc" ] || { echo "cuda-compile: nvidia-cuda-toolkit installed but no nvcc found" >&2; exit 3; }
fi
version=$("$nvcc" --version | sed -n 's/.*release \([0-9.]*\).*/\1/p')

mapfile -t sources < <(find native/src -name '*.cu' | sort)
[ ${#sources[@]} -gt 0 ] || { echo "cuda-compile: no .cu sources under native/src" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
failed=0
for src in "${sources[@]}"; do
  if ! "$nvcc" -std=c++17 -arch="$ARCH" -Werror all-warnings -Xcompiler -Wall,-Wextra,-Werror -I native/src \
    -c "$src" -o "$out/$(basename "$src").o"; then
    echo "cuda-compile: $src does not compile" >&2
    failed=1
  fi
done
[ $failed = 0 ] || exit 1

# The C++ side of the CUDA path (the PIPE_FUSED_NORM_CUDA branches: autograd wrapper, device test, timing bench, and
# the files that call them), syntax-checked against this machine's LibTorch headers with the CUDA define set and the
# toolkit's headers on the path. Debian's CPU LibTorch ships c10/cuda but not cuda_cmake_macros.h (CMake writes it
# when LibTorch is built), so an empty one is written in its place. Skipped when no LibTorch headers are found.
torch_include=${TORCH_INCLUDE:-/usr/include}
cuda_include=${CUDA_INCLUDE:-}  # where nvcc says its headers are (its --dryrun INCLUDES), else Debian's /usr/include
if [ -z "$cuda_include" ]; then
  echo >"$out/empty.cu"
  cuda_include=$(cd "$out" && "$nvcc" --dryrun -c empty.cu 2>&1 | sed -n 's/^#\$ INCLUDES="-I\([^"]*\)".*/\1/p' | head -n 1)
  [ -f "$cuda_include/cuda_runtime.h" ] || cuda_include=/usr/include
fi
cxx_sources=(native/src/core/fused_norm_act.cc native/src/core/fused_loss.cc native/src/core/conv_norm_act.cc
  native/src/core/unetpp.cc native/src/core/generic_unet.cc native/src/core/segmentation_network.cc
  native/src/core/loss.cc native/src/core/loss_readback.cc native/tests/fused_norm_cuda_test.cc
  native/tests/fused_loss_cuda_test.cc native/bench/fused_norm_cuda_bench.cc)
checked=0
if [ -f "$torch_include/torch/csrc/api/include/torch/torch.h" ] && [ -f "$cuda_include/cuda_runtime.h" ]; then
  mkdir -p "$out/generated/c10/cuda/impl"
  [ -f "$torch_include/c10/cuda/impl/cuda_cmake_macros.h" ] || echo '#pragma once' >"$out/generated/c10/cuda/impl/cuda_cmake_macros.h"
  for src in "${cxx_sources[@]}"; do
    if ! "${CXX:-g++}" -fsyntax-only -std=c++17 -w -DPIPE_FUSED_NORM_CUDA=1 -I "$out/generated" -I native/src -I native \
      -I "$torch_include" -I "$torch_include/torch/csrc/api/include" -I "$cuda_include" "$src"; then
      echo "cuda-compile: $src (CUDA branch) does not compile" >&2
      failed=1
    fi
    checked=$((checked + 1))
  done
else
  echo "cuda-compile: no LibTorch headers under $torch_include or no cuda_runtime.h: C++ CUDA branches not checked" >&2
fi
[ $failed = 0 ] || exit 1
echo "cuda-compile: ${#sources[@]} sources compile for $ARCH (nvcc $version); $checked C++ sources compile with the CUDA branch on"

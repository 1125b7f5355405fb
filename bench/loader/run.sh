#!/usr/bin/env bash
# Builds and runs the loader benchmark. Last line: BENCH loader ratio=<loader/step> ...
# Usage: bash bench/loader/run.sh [--threads N] [--batches N] [--steps N] [--patch N] [--volume N]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
torch_dir="${Torch_DIR:-}"
if [ -z "$torch_dir" ] && [ -n "${LIBTORCH_DIR:-}" ]; then torch_dir="$LIBTORCH_DIR/share/cmake/Torch"; fi
if [ -z "$torch_dir" ]; then
  d=$(python3 -c 'import torch, os; print(os.path.join(torch.utils.cmake_prefix_path, "Torch"))' 2>/dev/null || true)
  [ -n "$d" ] && [ -f "$d/TorchConfig.cmake" ] && torch_dir="$d"
fi
[ -n "$torch_dir" ] || torch_dir=/usr/lib/x86_64-linux-gnu/cmake/Torch
cmake -S "$here" -B "$here/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTorch_DIR="$torch_dir" >"$here/build.log" 2>&1 \
  || { tail -n 30 "$here/build.log" >&2; exit 1; }
cmake --build "$here/build" -j "${PIPE_BUILD_JOBS:-2}" >>"$here/build.log" 2>&1 || { tail -n 30 "$here/build.log" >&2; exit 1; }
exec "$here/build/loader_bench" "$@"

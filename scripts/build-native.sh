#!/usr/bin/env bash
# Builds native/ (the core library, its Node-free tests and the addon) with cmake-js.
# LibTorch is looked up in this order: $LIBTORCH_DIR, the PyTorch of `python3` (CUDA machines),
# Debian's libtorch-dev. Rebuilds only when a native source is newer than the last build.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[native] %s\n' "$*" >&2; }

torch_dir=""
torch_from=""
if [ -n "${LIBTORCH_DIR:-}" ]; then
  for d in "$LIBTORCH_DIR/share/cmake/Torch" "$LIBTORCH_DIR"; do
    [ -f "$d/TorchConfig.cmake" ] && torch_dir="$d" && torch_from="LIBTORCH_DIR" && break
  done
  [ -n "$torch_dir" ] || { say "LIBTORCH_DIR=$LIBTORCH_DIR holds no TorchConfig.cmake"; exit 1; }
fi
if [ -z "$torch_dir" ] && command -v python3 >/dev/null; then
  d=$(python3 -c 'import torch, os; print(os.path.join(torch.utils.cmake_prefix_path, "Torch"))' 2>/dev/null || true)
  if [ -n "$d" ] && [ -f "$d/TorchConfig.cmake" ]; then torch_dir="$d"; torch_from="python3 ($(command -v python3))"; fi
fi
if [ -z "$torch_dir" ] && [ -f /usr/lib/x86_64-linux-gnu/cmake/Torch/TorchConfig.cmake ]; then
  torch_dir=/usr/lib/x86_64-linux-gnu/cmake/Torch; torch_from="Debian libtorch-dev"
fi
if [ -z "$torch_dir" ]; then
  d=$(ls -d /usr/lib/*/cmake/Torch 2>/dev/null | head -n1 || true)
  [ -n "$d" ] && torch_dir="$d" && torch_from="Debian libtorch-dev"
fi
[ -n "$torch_dir" ] || { say "no LibTorch found: set LIBTORCH_DIR, install PyTorch for python3, or apt-get install libtorch-dev"; exit 1; }

build=native/build
stamp="$build/.stamp"
want="$torch_dir"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f "$build/Release/pipe_native.node" ] \
   && [ -f "$build/Release/runtime.json" ] \
   && [ -z "$(find native/src native/tests native/bench native/CMakeLists.txt native/cmake -newer "$stamp" -print -quit)" ]; then
  exit 0
fi

say "LibTorch from $torch_from: $torch_dir"
jobs="${PIPE_BUILD_JOBS:-$(nproc)}"
addon_api=$(node -p "require('node-addon-api').include_dir")
# A build folder configured elsewhere (copied or moved clone) makes cmake refuse to build while exiting 0.
if [ -f "$build/CMakeCache.txt" ] && ! grep -qx "CMAKE_CACHEFILE_DIR:INTERNAL=$PWD/$build" "$build/CMakeCache.txt"; then
  say "native/build was configured in another folder: starting it afresh"
  rm -rf "$build"
fi
mkdir -p "$build"
log="native/build.log"  # outside $build: cmake-js may wipe the build folder
# ccache (when installed) makes a rebuild in a fresh clone on the same machine take seconds.
launcher=()
if command -v ccache >/dev/null; then
  launcher=(--CDCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1   # clones in other folders share the cache
fi
if ! npx cmake-js compile -d native -O "$build" -p "$jobs" "${launcher[@]}" \
  --CDTorch_DIR="$torch_dir" --CDNODE_ADDON_API_DIR="$PWD/$addon_api" --CDCMAKE_BUILD_TYPE=Release >"$log" 2>&1; then
  tail -n 40 "$log" >&2
  say "build failed (full log: $log)"
  exit 1
fi
grep -E '^-- pipe:' "$log" >&2 || true
printf '%s' "$want" > "$stamp"
# runtime.json: what the addon linked, for the cache keys of the native stage kinds (src/native/addon/runtime-identity.ts)
node -e "const a=require('./$build/Release/pipe_native.node');const i=a.runtimeInfo();console.error('[native] linked LibTorch '+i.torchVersion+', built with CUDA: '+i.builtWithCuda+', CUDA available: '+i.cudaAvailable);require('fs').writeFileSync('$build/Release/runtime.json',JSON.stringify({torchVersion:i.torchVersion,builtWithCuda:i.builtWithCuda})+'\\n')"

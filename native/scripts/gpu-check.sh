#!/usr/bin/env bash
# One-call GPU check for a machine with CUDA, python3 + PyTorch 2.x, cmake and nvcc (no Node needed):
#   1. builds native/ core, tests and benches against python3's torch (plain cmake, no cmake-js);
#   2. runs the Node-free C++ tests;
#   3. trains a few iterations on CUDA with AMP through core::Train, reloads the checkpoint, predicts;
#   4. times the training step at the Task03 3d_fullres plan (128^3, batch 2, 5 pools, base 32), ours vs the same
#      network/step in Python (bench/train_step/train_step.py), same call, same AMP setting;
#   5. if Node is available (.node/node-*.tar.xz is unpacked when present) and node_modules is present, builds the
#      addon and runs the addon tests (vitest) as well.
# Usage: bash native/scripts/gpu-check.sh   (env: AMP=auto|bf16|fp16, STEPS, THREADS, SKIP_TESTS=1)
set -uo pipefail
cd "$(dirname "$0")/../.."
AMP=${AMP:-auto} STEPS=${STEPS:-10} THREADS=${THREADS:-$(nproc)}
status=0
section() { printf '\n==== %s ====\n' "$*"; }
fail() { echo "FAILED: $*"; status=1; }

section "machine"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo "no nvidia-smi"
python3 -c 'import torch; print("python3 torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())' \
  || { echo "python3 has no torch"; exit 1; }
torch_dir=${TORCH_DIR:-$(python3 -c 'import torch, os; print(os.path.join(torch.utils.cmake_prefix_path, "Torch"))')}  # TORCH_DIR: override (dry runs)

section "build (cmake, Torch_DIR=$torch_dir)"
build=native/build-gpu
extra=()
command -v nvcc >/dev/null && extra+=(-DCMAKE_CUDA_COMPILER="$(command -v nvcc)")
cmake -S native -B "$build" -DTorch_DIR="$torch_dir" -DCMAKE_BUILD_TYPE=Release "${extra[@]}" >"$build.log" 2>&1 \
  || { tail -n 40 "$build.log"; echo "cmake configure failed"; exit 1; }
grep -E '^-- pipe:' "$build.log"
cmake --build "$build" -j "$(nproc)" >>"$build.log" 2>&1 || { grep -E 'error|Error' "$build.log" | head -n 40; echo "build failed"; exit 1; }
echo "built: $(ls "$build" | grep -E '_(test|bench)$' | tr '\n' ' ')"

if [ -z "${SKIP_TESTS:-}" ]; then
  section "Node-free C++ tests"
  for t in "$build"/*_test; do
    out=$("$t" 2>&1); rc=$?
    echo "$(basename "$t"): $(echo "$out" | tail -n 1)"
    [ $rc -eq 0 ] || { echo "$out" | grep -E 'FAIL|CHECK|exception' | head -n 20; fail "$(basename "$t")"; }
  done
fi

section "train a few iterations on CUDA with AMP=$AMP"
"$build"/train_smoke_bench cuda "$AMP" 10 || fail "CUDA training smoke"

section "train step at the Task03 plan (patch 128^3, batch 2, base 32, 5 pools), AMP=$AMP"
args=("$THREADS" 32 5 128 2 3 "$STEPS" cuda "$AMP")
n=$("$build"/train_step_bench "${args[@]}" 2>&1) || fail "native step: $n"
echo "$n"
p=$(python3 bench/train_step/train_step.py "${args[@]}" 2>&1) || fail "python step: $p"
echo "$p"
nm=$(echo "$n" | awk '/^native/ {print $2}') pm=$(echo "$p" | awk '/^python/ {print $2}')
if [ -n "$nm" ] && [ -n "$pm" ]; then
  awk -v n="$nm" -v p="$pm" -v amp="$AMP" 'BEGIN { printf "BENCH train_step_cuda ratio=%.3f native_ms=%.1f python_ms=%.1f native_sps=%.2f python_sps=%.2f amp=%s plan=task03-128-batch2\n", n/p, n, p, 2000/n, 2000/p, amp }'
fi

section "addon (optional: needs Node and node_modules)"
tarball=$(ls .node/node-*.tar.xz 2>/dev/null | head -n 1 || true)
if [ -n "$tarball" ] && ! command -v node >/dev/null; then
  tar -xJf "$tarball" -C .node && export PATH="$(ls -d "$PWD"/.node/node-*/bin | head -n 1):$PATH"
fi
if command -v node >/dev/null && [ -d node_modules/cmake-js ] && [ -d node_modules/node-addon-api ]; then
  echo "node $(node --version)"
  LIBTORCH_DIR="" bash scripts/build-native.sh || fail "addon build"
  npx tsc -p tsconfig.json || fail "tsc"
  node -e "import('./dist/addon/index.js').then(a => console.log('runtimeInfo', JSON.stringify(a.runtimeInfo())))" || fail "addon load"
  npx vitest run test/native/addon.test.ts || fail "addon tests"
else
  echo "skipped: node $(command -v node >/dev/null && echo present || echo missing), node_modules $( [ -d node_modules ] && echo present || echo missing)"
fi

section "result"
[ $status -eq 0 ] && echo "gpu-check: all passed" || echo "gpu-check: FAILURES above"
exit $status

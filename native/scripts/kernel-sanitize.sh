#!/usr/bin/env bash
# Runs the CUDA kernels on CPU threads (tests/fused_kernels_emulated_test.cc through tests/emulated/) under
# AddressSanitizer + UndefinedBehaviorSanitizer and under ThreadSanitizer, so that a kernel's read or write out of
# bounds, or a missing __syncthreads() before shared memory is reused, is found without a GPU. Then it shows that each
# build can fail: it plants one bug of each kind in a copy of the kernels (a channel guard off by one; the barrier
# CombineChunks needs before its caller's next call reuses shared memory) and expects the sanitizer to report it.
# Builds with g++ directly (no LibTorch library: only c10's Half and BFloat16 headers). npm test runs it
# (test/native/kernel-sanitize.test.ts).
#   bash native/scripts/kernel-sanitize.sh
#   -> last line: "kernel-sanitize: ASan+UBSan and TSan runs clean; each finds its planted bug"
# Env: CXX (g++), TORCH_INCLUDE (the folder holding c10/util/Half.h; default /usr/include).
# Exit: 0 as above, 1 a sanitizer or test failure (its report is printed), 3 no c10 headers.
set -euo pipefail
cd "$(dirname "$0")/.."
cxx=${CXX:-g++}
torch_include=${TORCH_INCLUDE:-/usr/include}
[ -f "$torch_include/c10/util/Half.h" ] || { echo "kernel-sanitize: no c10/util/Half.h under $torch_include (set TORCH_INCLUDE)" >&2; exit 3; }
c10_include=()  # /usr/include is searched anyway (naming it again breaks libstdc++'s #include_next)
[ "$torch_include" = /usr/include ] || c10_include=(-isystem "$torch_include")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# TSan: the divergent-barrier test forks a child that starts threads, which TSan refuses unless told.
export TSAN_OPTIONS="die_after_fork=0 halt_on_error=1 ${TSAN_OPTIONS:-}"
export ASAN_OPTIONS="detect_leaks=0 ${ASAN_OPTIONS:-}"  # the thread pool is kept on purpose until exit
export UBSAN_OPTIONS="print_stacktrace=1 ${UBSAN_OPTIONS:-}"

# build NAME SANITIZERS [SOURCE_ROOT]: the test against the kernels under SOURCE_ROOT/core (default: src).
build() {
  local root=${3:-src}
  "$cxx" -std=c++17 -O1 -g -fno-omit-frame-pointer -fsanitize="$2" -fno-sanitize-recover=all -w \
    -I tests/emulated -I "$root" -I src "${c10_include[@]}" tests/fused_kernels_emulated_test.cc \
    src/core/fused_norm_cpu.cc src/core/fused_loss_cpu.cc -lpthread -o "$out/$1"
}

# plant NAME SED_SCRIPT: a copy of the kernels with one change, refused when the change no longer applies.
plant() {
  mkdir -p "$out/$1/core"
  cp src/core/*.cu src/core/*.cuh src/core/*.h "$out/$1/core/"
  sed -i "$2" "$out/$1/core/fused_norm_cuda.cu"
  if cmp -s src/core/fused_norm_cuda.cu "$out/$1/core/fused_norm_cuda.cu"; then
    echo "kernel-sanitize: the planted bug '$1' no longer applies to fused_norm_cuda.cu: update this script" >&2
    exit 1
  fi
}

echo "kernel-sanitize: building with AddressSanitizer + UndefinedBehaviorSanitizer and with ThreadSanitizer ..."
build asan address,undefined
build tsan thread
"$out/asan" >"$out/asan.log" 2>&1 || { cat "$out/asan.log"; echo "kernel-sanitize: ASan+UBSan run failed" >&2; exit 1; }
tail -n 1 "$out/asan.log"
"$out/tsan" >"$out/tsan.log" 2>&1 || { cat "$out/tsan.log"; echo "kernel-sanitize: TSan run failed" >&2; exit 1; }
tail -n 1 "$out/tsan.log"

# The forward transform's guard lets the thread of channel C through: it reads gamma[C] and writes past a row.
plant guard '0,/if (c >= shape.c) return;/s//if (c > shape.c) return;/'
build asan-guard address,undefined "$out/guard"
if "$out/asan-guard" "fused norm kernels: forward" >"$out/asan-guard.log" 2>&1 ||
  ! grep -q "AddressSanitizer: heap-buffer-overflow" "$out/asan-guard.log"; then
  cat "$out/asan-guard.log"
  echo "kernel-sanitize: ASan did not find the off-by-one channel guard" >&2
  exit 1
fi
echo "kernel-sanitize: ASan finds the planted off-by-one channel guard"

# Without the barrier, row 0 of the next sample is combined while other rows are still being written.
plant barrier '/rows is reused by the caller.s next call/d'
build tsan-barrier thread "$out/barrier"
if "$out/tsan-barrier" "fused norm kernels: forward" >"$out/tsan-barrier.log" 2>&1 ||
  ! grep -q "ThreadSanitizer: data race" "$out/tsan-barrier.log"; then
  tail -n 40 "$out/tsan-barrier.log"
  echo "kernel-sanitize: TSan did not find the missing __syncthreads()" >&2
  exit 1
fi
echo "kernel-sanitize: TSan finds the planted missing __syncthreads()"
echo "kernel-sanitize: ASan+UBSan and TSan runs clean; each finds its planted bug"

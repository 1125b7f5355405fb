#!/usr/bin/env bash
# One-call GPU check for a machine with CUDA, python3 + PyTorch 2.x, cmake and nvcc (no Node
# needed). In order of importance, so the figures that matter come first if the call is cut short:
#   1. build: the core library and the benches only, against python3's torch (plain cmake, -j nproc); meanwhile
#      the card's dense bf16 rate is measured in Python (8192^3 bf16 matmuls, CUDA events, after warm-up);
#   2. parity: the UNet++ of the Task03 plan, native (parity_bench) vs bench/train_step/train_step.py's network
#      loaded with the same weights, fp32, TF32 off (NVIDIA_TF32_OVERRIDE=0): per-head outputs, loss, gradient norms;
#   3. the training step alone at the Task03 plan (patch 128^3, batch 2, 5 pools [2,2,2], base 32, max 320), ours
#      (train_step_bench) vs the same network and step in Python (bench/train_step/step_variants.py), eager and with
#      forward + loss compiled by torch.compile (Inductor; compile time reported apart), same AMP, same cuDNN
#      autotuning, same call; ROUNDS rounds of STEPS steps each (median and spread), peak GPU memory of each;
#   3b. a per-kernel profile of the native step (LibTorch's Kineto profiler in train_step_bench, PROFILE_STEPS steps;
#      top 15 kernels by GPU time, bench/train_step/kernel_table.py);
#   1b. (right after the build) the fused kernels' device tests (fused_norm_cuda_test: outputs and the three
#      gradients vs LibTorch; fused_loss_cuda_test: the deep-supervision loss and its logits gradient vs LibTorch's);
#      if one fails, the rest of the run uses LibTorch's ops for it (PIPE_FUSED_NORM=0 / PIPE_FUSED_LOSS=0), said so;
#   3c. the fused InstanceNorm+LeakyReLU kernels (core/fused_norm_cuda.cu): their timing vs LibTorch's ops
#      (fused_norm_cuda_bench), then the native step once more with the kernels off (PIPE_FUSED_NORM=0);
#   3d. one round each of the native step with channels-last off (CHANNELS_LAST=off: NCDHW activations) and with
#      fp16 + loss scaling instead of the AMP asked (the figures `amp: auto` and `channels_last: auto` rest on);
#   4. end to end through core::Train: augmentation "full" in the native loader pool (the default CUDA loader
#      threads, then nproc-2 threads), bf16 autocast (amp auto), phantoms of 224^3 for the 205^3 source patch,
#      warm-up iterations excluded, with the share of the timed window the steps waited for a batch (the
#      loader keeps up when it is near 0);
#      GPU utilisation is sampled (nvidia-smi -lms 200) during 3 and 4 and averaged over each timed window;
#   5. achieved TFLOP/s (14.2 TFLOP per 128^3 training sample: 2.37 TMAC forward x 3 (fwd + 2x bwd) x 2 FLOP/MAC)
#      and the fraction of the measured bf16 rate;
#   5b. the spatial transform done on the device instead (bench/loader/grid_sample.py: 205^3 upload, affine_grid,
#      trilinear/nearest grid_sample to 128^3), to set against the end-to-end figure with the CPU loader threads;
#   6. a few iterations of CUDA AMP training through core::Train, checkpoint reload and prediction (smoke);
#   6b. the NCCL path at world size 1 on CUDA (init, gradient all-reduce, checkpoint: nccl_check_bench);
#   7. the Node-free C++ tests (built now; skipped when the time budget is spent);
#   8. the addon tests when Node (.node/node-*.tar.xz) and node_modules are carried.
# Last lines: a table of the step variants, a PASS/FAIL list, the targets (>= 15 samples/s end to end,
#   native step <= 0.8 x the torch.compile step, native peak memory <= eager's) and
#   BENCH gpu ratio=<native/compiled step time> native_sps=... compiled_sps=... eager_sps=... e2e_sps=...
#     peak_mem_gib=<native> eager_peak_mem_gib=... compiled_peak_mem_gib=... compile_s=... eager_ratio=...
#     unfused_ms=... nchw_ms=... fp16_ms=... util=... e2e_loader_wait_pct=<% of the e2e window waiting for batches>
# Usage: bash native/scripts/gpu-check.sh   (device tool: set -o pipefail; bash native/scripts/gpu-check.sh 2>&1 | tee $OUT/gpu-check.log)
# Env: DEVICE=cuda|cpu (cpu: a dry run of every step at tiny plans against Debian's LibTorch and /usr/bin/python3,
#      nvidia-smi and bf16 parts skipped), AMP=auto|bf16|fp16, STEPS (10), WARMUP (3), ROUNDS (3), E2E_STEPS (20),
#      PROFILE_STEPS (3), COMPILE_LIMIT (seconds the Python eager + compiled variants may run: 300),
#      FUSED_NORM (on|off: PIPE_FUSED_NORM=1|0 for every bench of this run; unset: the runtime's default, on),
#      THREADS (nproc), CUDNN_BENCHMARK (1), TIME_BUDGET (seconds after which the C++ tests are skipped: 360),
#      STEP_LIMIT (seconds any one step may run: 180), DEADLINE (seconds from the start after which no step runs: 465),
#      SKIP_TESTS=1, TORCH_DIR, PYTHON. Exit status 0 when every check passed (targets do not count).
set -uo pipefail
cd "$(dirname "$0")/../.."
DEVICE=${DEVICE:-cuda}
AMP=${AMP:-auto} STEPS=${STEPS:-10} WARMUP=${WARMUP:-3} E2E_STEPS=${E2E_STEPS:-20} THREADS=${THREADS:-$(nproc)}
ROUNDS=${ROUNDS:-3} PROFILE_STEPS=${PROFILE_STEPS:-3} COMPILE_LIMIT=${COMPILE_LIMIT:-300}
export ROUNDS PROFILE_STEPS
# The fused InstanceNorm+LeakyReLU kernels: their device test, built only where LibTorch has
# CUDA and nvcc is found; the runtime's switch is PIPE_FUSED_NORM (0: LibTorch's ops).
FUSED_NORM_TEST=fused_norm_cuda_test
case "${FUSED_NORM:-}" in
  on) export PIPE_FUSED_NORM=1 ;;
  off) export PIPE_FUSED_NORM=0 ;;
  "") ;;
  *) echo "FUSED_NORM must be on or off, not '$FUSED_NORM'" >&2; exit 2 ;;
esac
TIME_BUDGET=${TIME_BUDGET:-360} STEP_LIMIT=${STEP_LIMIT:-180} DEADLINE=${DEADLINE:-465}
export CUDNN_BENCHMARK=${CUDNN_BENCHMARK:-1}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE} PYTHONUNBUFFERED=1
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-$THREADS}  # the Python side sizes OpenBLAS as ours does (core/device.cc)
T0=$(date +%s)
checks=() failed=0
section() { printf '\n==== %s [+%ds] ====\n' "$*" "$(( $(date +%s) - T0 ))"; }
check() { if [ "$2" = PASS ]; then checks+=("PASS $1"); else checks+=("FAIL $1${3:+: $3}"); failed=1; fi; }
# No single step may eat the call (a hang fails that step only), and none runs past DEADLINE seconds from the start,
# so the summary below is always printed within 8 minutes (one device call of under 8 min,
# which leaves time in a 15-minute device session for the machine's start and one short follow-up call).
limit() {
  local left=$(( DEADLINE - ($(date +%s) - T0) )) t=$STEP_LIMIT
  if [ "$left" -lt 10 ]; then echo "skipped: DEADLINE=${DEADLINE}s reached" >&2; return 124; fi
  [ "$left" -lt "$t" ] && t=$left
  timeout -k 5 "$t" "$@"
}
field() { awk -v k="$1" '{ for (i = 1; i <= NF; ++i) if (index($i, k "=") == 1) { print substr($i, length(k) + 2); exit } }'; }

if [ "$DEVICE" = cpu ]; then
  PYTHON=${PYTHON:-/usr/bin/python3}
  TORCH_DIR=${TORCH_DIR:-/usr/lib/x86_64-linux-gnu/cmake/Torch}
  # Tiny plans: parity with anisotropic kernels (exercises the per-plan kernel mapping), timing isotropic.
  parity_plan=(in=1 classes=3 base=8 max=32 pool=1x2x2,2x2x2,2x2x2 conv=1x3x3,3x3x3,3x3x3,3x3x3 patch=16,32,32 batch=2)
  step_plan=(8 3 32 2) e2e_plan=(base=8 max=320 npool=3 patch=32 batch=2 cases=3 case_size=64)
  plan_name="tiny-cpu (base 8, 3 pools, patch 32^3, batch 2)" plan_tag=tiny-32-batch2 flop_per_sample=""
else
  PYTHON=${PYTHON:-python3}
  parity_plan=(in=1 classes=3 base=32 max=320 npool=5 patch=128 batch=2)
  step_plan=(32 5 128 2) e2e_plan=(base=32 max=320 npool=5 patch=128 batch=2 cases=4 case_size=224)
  plan_name="Task03 3d_fullres (base 32, max 320, 5 pools [2,2,2], patch 128^3, batch 2)" plan_tag=task03-128-batch2
  flop_per_sample=14.22  # TFLOP: 2.37 TMAC forward x 3 x 2 FLOP/MAC (recipe)
fi
work=$(mktemp -d /tmp/gpu-check-XXXXXX)
trap 'rm -rf "$work"' EXIT

section "machine (DEVICE=$DEVICE)"
echo "host $(hostname) $(nproc) cores, $(free -g | awk '/^Mem/ {print $2}') GiB"
if [ "$DEVICE" = cuda ]; then
  nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv,noheader 2>/dev/null || echo "no nvidia-smi"
fi
"$PYTHON" -c 'import torch; print("python torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())' \
  || { echo "$PYTHON has no torch"; exit 1; }
torch_dir=${TORCH_DIR:-$("$PYTHON" -c 'import torch, os; print(os.path.join(torch.utils.cmake_prefix_path, "Torch"))')}

# The card's dense bf16 rate, measured while the build runs (GPU only, the build only uses the CPUs).
bf16_log="$work/bf16.txt"
if [ "$DEVICE" = cuda ]; then
  "$PYTHON" - >"$bf16_log" 2>&1 <<'EOF' &
import statistics, torch
n, times = 8192, []
a = torch.randn(n, n, device="cuda", dtype=torch.bfloat16)
b = torch.randn(n, n, device="cuda", dtype=torch.bfloat16)
for _ in range(5):
    c = a @ b
torch.cuda.synchronize()
for _ in range(20):
    s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    s.record(); c = a @ b; e.record(); e.synchronize()
    times.append(s.elapsed_time(e))
ms = statistics.median(times)
print(f"bf16_peak_tflops={2 * n ** 3 / ms / 1e9:.1f} (median of 20 {n}^3 bf16 matmuls on random data: {ms:.3f} ms, "
      f"min {min(times):.3f}, max {max(times):.3f}; {torch.cuda.get_device_name()})")
EOF
  bf16_pid=$!
else
  echo "bf16_peak_tflops=n/a (DEVICE=cpu: skipped)" >"$bf16_log"
  bf16_pid=""
fi

section "build benches (cmake, Torch_DIR=$torch_dir)"
build=native/build-gpu/$DEVICE
mkdir -p "$build"
extra=()
command -v nvcc >/dev/null && [ "$DEVICE" = cuda ] && extra+=(-DCMAKE_CUDA_COMPILER="$(command -v nvcc)")
command -v ninja >/dev/null && [ ! -f "$build/CMakeCache.txt" ] && extra+=(-G Ninja)
command -v ccache >/dev/null && extra+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache) && export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
blog="$build/build.log"
cmake -S native -B "$build" -DTorch_DIR="$torch_dir" -DCMAKE_BUILD_TYPE=Release "${extra[@]}" >"$blog" 2>&1 \
  || { tail -n 40 "$blog"; echo "cmake configure failed"; exit 1; }
grep -E '^-- pipe:' "$blog"
benches=(parity_bench train_step_bench train_e2e_bench train_smoke_bench nccl_check_bench)
if cmake --build "$build" -j "$(nproc)" --target "${benches[@]}" >>"$blog" 2>&1; then
  check "build (core + benches)" PASS
else
  grep -E 'error|Error' "$blog" | head -n 40; echo "build failed"
  [ -n "${OUT:-}" ] && [ -d "${OUT:-}" ] && cp "$blog" "$OUT/build.log"; exit 1
fi
echo "built ${benches[*]} in $(( $(date +%s) - T0 )) s"
[ -n "$bf16_pid" ] && wait "$bf16_pid"
cat "$bf16_log"
bf16_peak=$(field bf16_peak_tflops <"$bf16_log")

# The fused kernels' device test runs first: when it fails (and FUSED_NORM was not set), the rest of the run uses
# LibTorch's norms (PIPE_FUSED_NORM=0, which also turns channels_last auto off), so the timings still mean something.
section "fused InstanceNorm+LeakyReLU kernels: device test (before anything uses them)"
fused_built=0
if cmake --build "$build" -j "$(nproc)" --target "$FUSED_NORM_TEST" fused_norm_cuda_bench >>"$blog" 2>&1 \
   && [ -x "$build/$FUSED_NORM_TEST" ]; then
  fused_built=1
  if limit "$build/$FUSED_NORM_TEST"; then
    check "$FUSED_NORM_TEST" PASS
  else
    check "$FUSED_NORM_TEST" FAIL
    if [ -z "${FUSED_NORM:-}" ]; then
      export PIPE_FUSED_NORM=0
      echo "!! the fused kernels failed on the device: the rest of this run uses LibTorch's norms (PIPE_FUSED_NORM=0)"
    fi
  fi
  # The fused loss kernels likewise (PIPE_FUSED_LOSS=0 after a failure).
  if cmake --build "$build" -j "$(nproc)" --target fused_loss_cuda_test >>"$blog" 2>&1 \
     && limit "$build"/fused_loss_cuda_test; then
    check "fused_loss_cuda_test" PASS
  else
    check "fused_loss_cuda_test" FAIL
    export PIPE_FUSED_LOSS=0
    echo "!! the fused loss kernels failed on the device: the rest of this run uses LibTorch's loss (PIPE_FUSED_LOSS=0)"
  fi
else
  echo "skipped: $FUSED_NORM_TEST is built only where LibTorch has CUDA and nvcc is found (DEVICE=$DEVICE)"
fi

section "parity: native UNet++ vs train_step.py's network, same weights, fp32 ($DEVICE)"
pdir="$work/parity"
if NVIDIA_TF32_OVERRIDE=0 limit "$build"/parity_bench out="$pdir" device="$DEVICE" threads="$THREADS" "${parity_plan[@]}" \
   && NVIDIA_TF32_OVERRIDE=0 limit "$PYTHON" bench/train_step/parity.py "$pdir" --threads "$THREADS" | tee "$work/parity.txt"; then
  check "parity (forward, loss, gradient norms)" PASS
else
  check "parity (forward, loss, gradient norms)" FAIL "see above"
fi
parity_line=$(grep '^PARITY' "$work/parity.txt" 2>/dev/null || echo "PARITY not produced")
rm -rf "$pdir"

# GPU utilisation while a command runs, averaged over the TIMED_WINDOW it prints (else over the whole run).
util_run() {  # util_run <name> <command...>: output to $work/<name>.txt, mean util to $work/<name>.util
  local name=$1; shift
  local smi=""
  if [ "$DEVICE" = cuda ] && command -v nvidia-smi >/dev/null; then
    # Line-buffered, so a sampler stopped at the end loses no samples.
    stdbuf -oL nvidia-smi --query-gpu=timestamp,utilization.gpu --format=csv,noheader,nounits -lms 200 \
      >"$work/$name.smi" 2>/dev/null &
    smi=$!
  fi
  limit "$@" >"$work/$name.txt" 2>&1; local rc=$?
  [ -n "$smi" ] && { kill -INT "$smi" 2>/dev/null; sleep 0.5; kill "$smi" 2>/dev/null; wait "$smi" 2>/dev/null; }
  grep -v '^TIMED_WINDOW' "$work/$name.txt"
  if [ -n "$smi" ]; then
    "$PYTHON" - "$work/$name.smi" "$work/$name.txt" >"$work/$name.util" <<'EOF'
import datetime, sys
samples = []
for line in open(sys.argv[1]):
    parts = [p.strip() for p in line.split(",")]
    try:
        t = datetime.datetime.strptime(parts[0], "%Y/%m/%d %H:%M:%S.%f").timestamp() * 1000
        samples.append((t, float(parts[1])))
    except (ValueError, IndexError):
        pass
window = [l.split()[1:3] for l in open(sys.argv[2]) if l.startswith("TIMED_WINDOW")]
inside = []
if window:
    start, end = map(float, window[-1])
    inside = [u for t, u in samples if start <= t <= end]
if inside:
    print(f"{sum(inside) / len(inside):.0f} ({len(inside)} samples in the timed window)")
elif samples:
    print(f"{sum(u for _, u in samples) / len(samples):.0f} (whole run, {len(samples)} samples: none in the window)")
else:
    print("n/a (no samples)")
EOF
    echo "gpu util mean: $(cat "$work/$name.util")%"
  else
    echo "n/a (no nvidia-smi on $DEVICE)" >"$work/$name.util"
  fi
  return $rc
}
util_of() { awk '{ v = $1; if (v ~ /^[0-9.]+$/) v = v "%"; print v }' "$work/$1.util" 2>/dev/null || echo n/a; }

section "training step alone, $plan_name, AMP=$AMP, cudnn_benchmark=$CUDNN_BENCHMARK"
args=("$THREADS" "${step_plan[@]}" "$WARMUP" "$STEPS" "$DEVICE" "$AMP")
PROFILE_TRACE="$work/native_step.trace.json" util_run native_step "$build"/train_step_bench "${args[@]}" \
  && check "native step" PASS || check "native step" FAIL
STEP_LIMIT=$COMPILE_LIMIT util_run python_step "$PYTHON" bench/train_step/step_variants.py "${args[@]}" "$ROUNDS" \
  && check "python steps (eager, torch.compile)" PASS || check "python steps (eager, torch.compile)" FAIL
col() { awk -v v="$1" -v c="$2" '$1 == v { print $c; exit }' "$work/$3.txt" 2>/dev/null; }
kv() { awk -v v="$1" '$1 == v' "$work/$3.txt" 2>/dev/null | field "$2"; }
nm=$(col native 2 native_step) ns=$(col native 3 native_step) n_spread=$(kv native spread_ms native_step)
n_peak=$(kv native peak_mem_gib native_step)
pm=$(col eager 2 python_step) ps=$(col eager 3 python_step) e_spread=$(kv eager spread_ms python_step)
e_peak=$(kv eager peak_mem_gib python_step)
cm=$(col compiled 2 python_step) cs=$(col compiled 3 python_step) c_spread=$(kv compiled spread_ms python_step)
c_peak=$(kv compiled peak_mem_gib python_step) compile_s=$(kv compiled compile_s python_step)
c_reason=$(kv compiled reason python_step)
[ "$cm" = n/a ] && cm="" cs=""

section "per-kernel profile of the native step ($PROFILE_STEPS steps, top 15 by GPU time)"
if [ -s "$work/native_step.trace.json" ]; then
  grep '^profile' "$work/native_step.txt"
  limit "$PYTHON" bench/train_step/kernel_table.py "$work/native_step.trace.json" "$PROFILE_STEPS" 15 \
    | tee "$work/kernels.txt" && check "native step profile" PASS || check "native step profile" FAIL
  [ -n "${OUT:-}" ] && [ -d "${OUT:-}" ] && gzip -c "$work/native_step.trace.json" >"$OUT/native_step.trace.json.gz"
else
  echo "no trace written"; check "native step profile" FAIL "no trace"
fi
profile_line=$(grep '^PROFILE' "$work/kernels.txt" 2>/dev/null || echo "PROFILE not produced")

section "fused InstanceNorm+LeakyReLU kernels: timing, native step without them"
if [ "$fused_built" = 1 ]; then
  limit "$build"/fused_norm_cuda_bench dtype="${AMP/auto/bf16}" | tee "$work/fused_norm.txt" \
    && check "fused norm timing" PASS || check "fused norm timing" FAIL
  # The same native step with the kernels off (one round): what the kernels change in the step itself.
  PIPE_FUSED_NORM=0 ROUNDS=1 util_run native_step_unfused "$build"/train_step_bench "${args[@]}" \
    && check "native step, fused norm off" PASS || check "native step, fused norm off" FAIL
else
  echo "skipped: $FUSED_NORM_TEST is built only where LibTorch has CUDA and nvcc is found (DEVICE=$DEVICE)"
fi

section "native step variants, one round each: channels-last off; fp16 + loss scaling (which AMP auto should pick)"
CHANNELS_LAST=off ROUNDS=1 util_run native_step_nchw "$build"/train_step_bench "${args[@]}" \
  && check "native step, channels-last off" PASS || check "native step, channels-last off" FAIL
ROUNDS=1 util_run native_step_fp16 "$build"/train_step_bench "$THREADS" "${step_plan[@]}" "$WARMUP" "$STEPS" \
  "$DEVICE" fp16 && check "native step, fp16" PASS || check "native step, fp16" FAIL

section "end to end through core::Train (augmentation full, loader pool, amp $AMP), $plan_name"
e2e() {  # e2e <name> <loader threads>
  util_run "$1" "$build"/train_e2e_bench device="$DEVICE" amp="$AMP" warmup="$WARMUP" steps="$E2E_STEPS" \
    loader_threads="$2" dir="$work/$1" "${e2e_plan[@]}"
  local rc=$?
  rm -rf "${work:?}/$1"
  return $rc
}
e2e e2e 0 && check "end-to-end training (default loader threads)" PASS || check "end-to-end training" FAIL
es=$(awk '/^e2e/ {print $2}' "$work/e2e.txt")
ew=$(grep '^e2e' "$work/e2e.txt" 2>/dev/null | field loader_wait_pct)  # % of the window the steps waited for a batch
alt=$(( $(nproc) - 2 ))
if [ "$DEVICE" = cuda ] && [ "$alt" -gt 4 ]; then
  echo "-- again with $alt loader threads (nproc - 2)"
  e2e e2e_alt "$alt" && check "end-to-end training ($alt loader threads)" PASS || check "end-to-end training ($alt loader threads)" FAIL
fi
es_alt=$(awk '/^e2e/ {print $2}' "$work/e2e_alt.txt" 2>/dev/null)
ew_alt=$(grep '^e2e' "$work/e2e_alt.txt" 2>/dev/null | field loader_wait_pct)

section "spatial augmentation on the device instead (grid_sample, for comparison with the loader threads)"
if [ "$DEVICE" = cuda ]; then gs_args=(cuda "$THREADS" 205 128 2 10); else gs_args=(cpu "$THREADS" 64 40 2 3); fi
limit "$PYTHON" bench/loader/grid_sample.py "${gs_args[@]}" | tee "$work/grid_sample.txt" \
  && check "device grid_sample timing" PASS || check "device grid_sample timing" FAIL
gs=$(awk '/^grid_sample/ {print $2}' "$work/grid_sample.txt" 2>/dev/null)

section "fraction of the card's bf16 rate"
rate() {  # rate <samples/s>: achieved TFLOP/s and fraction of the measured bf16 rate
  awk -v s="$1" -v f="$flop_per_sample" -v p="$bf16_peak" 'BEGIN {
    if (s == "" || f == "") { print "n/a n/a"; exit }
    a = s * f; if (p + 0 > 0) printf "%.1f %.3f\n", a, a / p; else printf "%.1f n/a\n", a }'
}
read -r native_tflops native_frac <<<"$(rate "$ns")"
read -r e2e_tflops e2e_frac <<<"$(rate "$es")"
if [ -n "$flop_per_sample" ]; then
  echo "counting $flop_per_sample TFLOP per 128^3 training sample (2.37 TMAC forward x 3 for forward + backward x 2 FLOP/MAC)"
  echo "measured bf16 rate: ${bf16_peak:-n/a} TFLOP/s"
  echo "native step: ${ns:-n/a} samples/s -> achieved $native_tflops TFLOP/s = fraction $native_frac of the bf16 rate"
  echo "end to end:  ${es:-n/a} samples/s -> achieved $e2e_tflops TFLOP/s = fraction $e2e_frac"
else
  echo "skipped: DEVICE=cpu (no bf16 rate; the FLOP count is for the Task03 plan only)"
fi

section "CUDA AMP training smoke (core::Train, checkpoint reload, prediction)"
if [ "$DEVICE" = cuda ]; then
  limit "$build"/train_smoke_bench cuda "$AMP" 10 && check "AMP training smoke" PASS || check "AMP training smoke" FAIL
else
  limit "$build"/train_smoke_bench cpu off 2 32 8 && check "training smoke (cpu)" PASS || check "training smoke (cpu)" FAIL
fi

section "c10d at world size 1: init, gradient all-reduce, checkpoint (NCCL on CUDA; Gloo in the CPU dry run)"
if [ "$DEVICE" = cuda ]; then nccl_args=(cuda nccl); else nccl_args=(cpu gloo); fi
limit "$build"/nccl_check_bench "${nccl_args[@]}" | tee "$work/nccl.txt"
if [ "${PIPESTATUS[0]}" -ne 0 ]; then check "c10d ${nccl_args[1]} at world size 1" FAIL
elif grep -q '^SKIP' "$work/nccl.txt"; then checks+=("SKIP c10d ${nccl_args[1]} at world size 1: $(grep '^SKIP' "$work/nccl.txt" | cut -c7-)")
else check "c10d ${nccl_args[1]} at world size 1" PASS; fi

section "Node-free C++ tests"
if [ -n "${SKIP_TESTS:-}" ]; then
  echo "skipped: SKIP_TESTS set"
elif [ $(( $(date +%s) - T0 )) -gt "$TIME_BUDGET" ]; then
  echo "skipped: $(( $(date +%s) - T0 )) s spent, over TIME_BUDGET=$TIME_BUDGET (they run on CPU in CI as well)"
elif limit cmake --build "$build" -j "$(nproc)" >>"$blog" 2>&1; then
  for t in "$build"/*_test; do
    out=$(limit "$t" 2>&1); rc=$?
    echo "$(basename "$t"): $(echo "$out" | tail -n 1)"
    [ $rc -eq 0 ] && check "$(basename "$t")" PASS || { echo "$out" | grep -E 'FAIL|CHECK|exception' | head -n 20; check "$(basename "$t")" FAIL; }
  done
else
  grep -E 'error|Error' "$blog" | head -n 20; check "build C++ tests" FAIL
fi

section "addon (optional: needs Node and node_modules)"
tarball=$(ls .node/node-*.tar.xz 2>/dev/null | head -n 1 || true)
if [ -n "$tarball" ] && ! command -v node >/dev/null; then
  tar -xJf "$tarball" -C .node && export PATH="$(ls -d "$PWD"/.node/node-*/bin | head -n 1):$PATH"
fi
if [ "$DEVICE" = cuda ] && command -v node >/dev/null && [ -d node_modules/cmake-js ] && [ -d node_modules/node-addon-api ]; then
  echo "node $(node --version)"
  if LIBTORCH_DIR="" bash scripts/build-native.sh && npx tsc -p tsconfig.json \
     && node -e "import('./dist/native/addon/index.js').then(a => console.log('runtimeInfo', JSON.stringify(a.runtimeInfo())))" \
     && npx vitest run test/native/addon.test.ts; then check "addon tests" PASS; else check "addon tests" FAIL; fi
else
  echo "skipped: DEVICE=$DEVICE, node $(command -v node >/dev/null && echo present || echo missing), node_modules $( [ -d node_modules ] && echo present || echo missing)"
fi

[ -n "${OUT:-}" ] && [ -d "${OUT:-}" ] && cp "$blog" "$OUT/build.log" 2>/dev/null  # the device tool brings $OUT back

section "result"
echo "plan: $plan_name; device $DEVICE; amp $AMP; cudnn_benchmark $CUDNN_BENCHMARK; $(( $(date +%s) - T0 )) s in all"
echo "$parity_line"
echo "step alone ($ROUNDS rounds of $STEPS steps after $WARMUP; median, spread over the rounds):"
printf '  %-37s %9s %10s %14s %9s %s\n' variant ms/step samples/s spread_ms peak_GiB util
printf '  %-37s %9s %10s %14s %9s %s\n' "native (LibTorch, amp $AMP)" "${nm:-n/a}" "${ns:-n/a}" "${n_spread:-n/a}" \
  "${n_peak:-n/a}" "$(util_of native_step)"
um=$(col native 2 native_step_unfused) us=$(col native 3 native_step_unfused)
[ -n "$um" ] && printf '  %-37s %9s %10s %14s %9s %s\n' "native, fused norm off (1 round)" "$um" "${us:-n/a}" n/a n/a \
  "$(util_of native_step_unfused)"
cl_m=$(col native 2 native_step_nchw) cl_s=$(col native 3 native_step_nchw)
f16_m=$(col native 2 native_step_fp16) f16_s=$(col native 3 native_step_fp16) f16_peak=$(kv native peak_mem_gib native_step_fp16)
[ -n "$cl_m" ] && printf '  %-37s %9s %10s %14s %9s %s\n' "native, channels-last off (1 round)" "$cl_m" "${cl_s:-n/a}" n/a \
  "$(kv native peak_mem_gib native_step_nchw)" "$(util_of native_step_nchw)"
[ -n "$f16_m" ] && printf '  %-37s %9s %10s %14s %9s %s\n' "native, fp16 + loss scaler (1 round)" "$f16_m" "${f16_s:-n/a}" \
  n/a "${f16_peak:-n/a}" "$(util_of native_step_fp16)"
printf '  %-37s %9s %10s %14s %9s %s\n' "python eager" "${pm:-n/a}" "${ps:-n/a}" "${e_spread:-n/a}" "${e_peak:-n/a}" \
  "$(util_of python_step)"
printf '  %-37s %9s %10s %14s %9s %s\n' "python torch.compile (fwd+loss)" "${cm:-n/a}" "${cs:-n/a}" "${c_spread:-n/a}" \
  "${c_peak:-n/a}" "${compile_s:+compile ${compile_s} s}${c_reason:+n/a: $c_reason}"
echo "$profile_line"
grep '^FUSED_NORM' "$work/fused_norm.txt" 2>/dev/null || true
printf 'end to end:  %s samples/s (default loader threads, util %s, steps waiting for a batch %s%% of the time)%s\n' \
  "${es:-n/a}" "$(util_of e2e)" "${ew:-n/a}" \
  "${es_alt:+; $es_alt samples/s with $alt loader threads (util $(util_of e2e_alt), waiting ${ew_alt:-n/a}%)}"
printf 'spatial transform on the device (grid_sample, source patch upload included): %s samples/s; end to end with the CPU loader: %s\n' \
  "${gs:-n/a}" "${es:-n/a}"
printf 'bf16 rate %s TFLOP/s; native step achieves %s TFLOP/s (fraction %s), end to end %s TFLOP/s (fraction %s)\n' \
  "${bf16_peak:-n/a}" "$native_tflops" "$native_frac" "$e2e_tflops" "$e2e_frac"
for c in "${checks[@]}"; do echo "$c"; done
target() { awk -v v="$2" -v t="$3" 'BEGIN { exit !(v != "" && v + 0 >= t + 0) }' && echo "TARGET MET    $1" || echo "TARGET MISSED $1"; }
ratio=$(awk -v n="$nm" -v c="$cm" 'BEGIN { if (n != "" && c != "") printf "%.3f", n / c; else print "n/a" }')
eager_ratio=$(awk -v n="$nm" -v p="$pm" 'BEGIN { if (n != "" && p != "") printf "%.3f", n / p; else print "n/a" }')
if [ "$DEVICE" = cuda ]; then
  target ">= 15 samples/s end to end on one H200 (issue 12; 6.41 before it): ${es:-n/a}" "$es" 15
  target "native step <= 0.8 x the torch.compile step, same run: native/compiled = $ratio" \
    "$(awk -v r="$ratio" 'BEGIN { if (r + 0 > 0) print 0.8 / r }')" 1
  target "native peak GPU memory <= python eager's: ${n_peak:-n/a} vs ${e_peak:-n/a} GiB" \
    "$(awk -v n="$n_peak" -v e="$e_peak" 'BEGIN { if (n + 0 > 0 && e + 0 > 0) print e / n }')" 1
else
  echo "TARGET n/a    >= 15 samples/s end to end, native <= 0.8 x torch.compile, peak memory <= eager (DEVICE=cpu dry run at a tiny plan)"
fi
[ $failed -eq 0 ] && echo "gpu-check: all checks passed" || echo "gpu-check: FAILURES above"
echo "BENCH gpu ratio=$ratio native_sps=${ns:-n/a} compiled_sps=${cs:-n/a} eager_sps=${ps:-n/a} e2e_sps=${es:-n/a}" \
  "peak_mem_gib=${n_peak:-n/a} eager_peak_mem_gib=${e_peak:-n/a} compiled_peak_mem_gib=${c_peak:-n/a}" \
  "compile_s=${compile_s:-n/a} eager_ratio=$eager_ratio unfused_ms=${um:-n/a} nchw_ms=${cl_m:-n/a} fp16_ms=${f16_m:-n/a} util=$(util_of e2e) e2e_loader_wait_pct=${ew:-n/a} bf16_fraction=$native_frac" \
  "e2e_bf16_fraction=$e2e_frac achieved_tflops=$native_tflops bf16_tflops=${bf16_peak:-n/a} device=$DEVICE amp=$AMP" \
  "plan=$plan_tag"
exit $failed

#!/usr/bin/env bash
# bench/train_step: time of one UNet++ training step (forward over all heads, DC+CE deep supervision, backward,
# clip, SGD) for a fixed small plan, native (LibTorch C++) vs the same network and step in Python
# (/usr/bin/python3 + Debian python3-torch: the same LibTorch 1.13), same thread count, measured in the same run
# and interleaved (native, python, native, python) so machine load hits both alike. Last line:
#   BENCH train_step ratio=<native ms / python ms> native_ms=... python_ms=... native_sps=... python_sps=...
# Env: THREADS (2), BASE (8), NPOOL (3), PATCH (32), BATCH (2), WARMUP (2), STEPS (8), ROUNDS (2), PYTHON.
set -euo pipefail
cd "$(dirname "$0")/../.."
THREADS=${THREADS:-2} BASE=${BASE:-8} NPOOL=${NPOOL:-3} PATCH=${PATCH:-32} BATCH=${BATCH:-2}
WARMUP=${WARMUP:-2} STEPS=${STEPS:-8} ROUNDS=${ROUNDS:-2} PYTHON=${PYTHON:-/usr/bin/python3}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}  # same for both; see src/native/addon/load.ts
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-$THREADS}  # Python's torch.set_num_threads leaves OpenBLAS's pool alone; ours sizes it (core/device.cc)
bash scripts/build-native.sh
args=("$THREADS" "$BASE" "$NPOOL" "$PATCH" "$BATCH" "$WARMUP" "$STEPS")
native=() python=()
for r in $(seq "$ROUNDS"); do
  n=$(native/build/train_step_bench "${args[@]}" | grep -v '^TIMED_WINDOW'); echo "round $r: $n"; native+=("$(echo "$n" | awk '/^native/ {print $2}')")
  p=$("$PYTHON" bench/train_step/train_step.py "${args[@]}" | grep -v '^TIMED_WINDOW'); echo "round $r: $p"; python+=("$(echo "$p" | awk '/^python/ {print $2}')")
done
best() { printf '%s\n' "$@" | sort -g | head -n1; }  # fastest round: least disturbed by other load
nm=$(best "${native[@]}") pm=$(best "${python[@]}")
awk -v n="$nm" -v p="$pm" -v b="$BATCH" -v t="$THREADS" -v plan="base${BASE}-npool${NPOOL}-patch${PATCH}-batch${BATCH}" 'BEGIN {
  printf "BENCH train_step ratio=%.3f native_ms=%.1f python_ms=%.1f native_sps=%.2f python_sps=%.2f threads=%d plan=%s\n",
    n / p, n, p, 1000 * b / n, 1000 * b / p, t, plan }'

"""Top GPU kernels of the native training step, from the Chrome trace train_step_bench writes with
PROFILE_TRACE (LibTorch's Kineto profiler: CUDA kernels recorded through CUPTI).
Usage: kernel_table.py <trace.json> <profiled steps> [top (15)]
Prints a table of the top kernels (device copies and memsets included) by total GPU time (per step, share of all kernel time, calls per step, mean time per
call) and a last line "PROFILE kind=kernels total_ms_per_step=<sum over all kernels> kernels=<distinct names>".
Where the trace holds no kernels (a CPU run, LibTorch without Kineto, or CUPTI unavailable) it tabulates the
operators instead (inclusive times, nested operators counted in their parents too) and says so: kind=operators."""
import collections
import json
import sys


def events(path):
    with open(path) as f:
        text = f.read().strip()
    if not text:
        return []
    try:
        data = json.loads(text)
    except json.JSONDecodeError:  # the legacy profiler may leave a trailing comma before the closing bracket
        data = json.loads(text.rstrip("]").rstrip().rstrip(",") + "]")
    return data.get("traceEvents", []) if isinstance(data, dict) else data


def main():
    path, steps = sys.argv[1], max(1, int(sys.argv[2]))
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 15
    evs = [e for e in events(path) if isinstance(e, dict) and e.get("ph") == "X" and "dur" in e]
    gpu = ("kernel", "gpu_memcpy", "gpu_memset")  # device copies count: the dense skip cats show up as DtoD copies
    kernels = [e for e in evs if str(e.get("cat", "")).lower() in gpu]
    kind = "kernels" if kernels else "operators"
    chosen = kernels or [e for e in evs if str(e.get("cat", "cpu_op")).lower() in ("cpu_op", "operator", "")]
    total = collections.defaultdict(float)
    calls = collections.Counter()
    for e in chosen:
        total[e["name"]] += float(e["dur"])  # microseconds
        calls[e["name"]] += 1
    all_us = sum(total.values())
    if kind == "operators":
        print("no GPU kernels in the trace (CPU run, or LibTorch without Kineto/CUPTI): operators instead, inclusive "
              "times (nested operators also counted in their parents)")
    print(f"{'#':>2} {'ms/step':>9} {'share':>6} {'calls/step':>10} {'us/call':>9}  {kind[:-1]}")
    for i, (name, us) in enumerate(sorted(total.items(), key=lambda kv: -kv[1])[:top], 1):
        share = f"{100 * us / all_us:5.1f}%" if all_us else "   n/a"
        short = name if len(name) <= 100 else name[:97] + "..."
        print(f"{i:>2} {us / 1000 / steps:9.2f} {share} {calls[name] / steps:10.1f} {us / calls[name]:9.1f}  {short}")
    print(f"PROFILE kind={kind} total_ms_per_step={all_us / 1000 / steps:.2f} {kind}={len(total)} steps={steps}")
    return 0 if chosen else 1


if __name__ == "__main__":
    sys.exit(main())

"""gpu-check's Python side of the step: the network, loss, clip and SGD step of train_step.py timed
as two variants in one process, eager and with forward + loss compiled by torch.compile (Inductor), same AMP and
cuDNN autotuning as the native bench. The compile (the first steps, which trace and compile forward and backward) is
timed apart from the steady steps. Each variant: <rounds> rounds of <steps> steps after <warmup> steps; the median
round is reported with the spread, and the CUDA allocator's peak over the timed rounds.
Usage: step_variants.py threads base npool patch batch warmup steps device amp rounds
Prints, per variant, "round <variant> <i> <ms>" lines, then
  "eager <ms> <samples/s> spread_ms=<min>..<max> peak_mem_gib=<GiB|n/a>"
  "compiled <ms> <samples/s> spread_ms=... peak_mem_gib=... compile_s=<s>"   or   "compiled n/a reason=<why>"
and the eager timed window as "TIMED_WINDOW <start ms> <end ms>" (for gpu-check's utilisation sampler).
A missing torch.compile (PyTorch 1.x) or a failed compile is reported as n/a with its reason, never as a failure."""
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_step import backward_and_step, dc_ce, setup  # noqa: E402  (the same network and loss as the plain Python bench)


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def peak_gib(device):
    return f"{torch.cuda.max_memory_allocated(device) / 2 ** 30:.2f}" if device.type == "cuda" else "n/a"


def make_step(device, base, npool, patch, batch, amp, compiled):
    net, opt, x, y, use_amp, dtype, scaler = setup(device, base, npool, patch, batch, amp)

    def forward_loss(x, y):
        if use_amp:
            with torch.autocast(device.type, dtype=dtype):
                heads = net(x)
        else:
            heads = net(x)
        return sum(dc_ce(h, y) for h in heads)

    fl = torch.compile(forward_loss) if compiled else forward_loss

    def step():
        opt.zero_grad()
        loss = fl(x, y)
        backward_and_step(loss, net, opt, scaler)
        return loss.item()

    return step


def run(name, step, device, batch, warmup, steps, rounds):
    """Warm-up (for the compiled variant: the compile) timed apart, then the rounds. Returns the result line."""
    t0 = time.perf_counter()
    for _ in range(max(1, warmup)):
        step()
    sync(device)
    warm_s = time.perf_counter() - t0
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    times, start_ms = [], time.time() * 1000
    for r in range(rounds):
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        sync(device)
        times.append(1000 * (time.perf_counter() - t0) / steps)
        print(f"round {name} {r + 1} {times[-1]:.3f}", flush=True)
    window = f"TIMED_WINDOW {start_ms:.0f} {time.time() * 1000:.0f}"
    ms = statistics.median(times)
    line = (f"{name} {ms:.3f} {1000 * batch / ms:.3f} spread_ms={min(times):.1f}..{max(times):.1f} "
            f"peak_mem_gib={peak_gib(device)}")
    return line, warm_s, window


def main():
    threads, base, npool, patch, batch, warmup, steps = map(int, sys.argv[1:8])
    device = torch.device(sys.argv[8])
    amp, rounds = sys.argv[9], int(sys.argv[10])
    torch.set_num_threads(threads)
    torch.backends.cudnn.benchmark = os.environ.get("CUDNN_BENCHMARK", "0") == "1"
    print(f"torch {torch.__version__} threads={torch.get_num_threads()} cudnn_benchmark={int(torch.backends.cudnn.benchmark)}"
          f" amp={amp} device={device}", flush=True)

    line, _, window = run("eager", make_step(device, base, npool, patch, batch, amp, False), device, batch, warmup,
                          steps, rounds)
    print(window)
    print(line, flush=True)
    if device.type == "cuda":
        torch.cuda.empty_cache()

    if not hasattr(torch, "compile"):
        print(f"compiled n/a reason=torch_{torch.__version__}_has_no_torch.compile")
        return
    try:
        line, compile_s, _ = run("compiled", make_step(device, base, npool, patch, batch, amp, True), device, batch,
                                 warmup, steps, rounds)
    except Exception as e:  # a compiler failure is a finding to report, not a failed check
        reason = (type(e).__name__ + ":" + str(e).splitlines()[0] if str(e) else type(e).__name__)[:160]
        print(f"compiled n/a reason={reason.replace(' ', '_')}")
        return
    print(f"{line} compile_s={compile_s:.1f} (first {max(1, warmup)} steps: trace, compile, autotune)")


if __name__ == "__main__":
    main()

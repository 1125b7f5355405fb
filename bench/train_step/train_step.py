"""The Python half of bench/train_step: the same UNet++ (recipe section 7), loss (DC+CE over every head, equal
weights), clip 12 and SGD step as native/bench/train_step_bench.cc, written against PyTorch's Python API.
Usage: train_step.py threads base npool patch batch warmup steps [device] [amp]
Env: CUDNN_BENCHMARK=1 turns cuDNN autotuning on (gpu-check sets it alike for the native side).
Prints "python <ms per step> <samples/s>" and the timed window as "TIMED_WINDOW <start ms> <end ms>" (Unix epoch ms,
for the GPU-utilisation sampler of native/scripts/gpu-check.sh)."""
import os
import sys
import time

import torch
from torch import nn


def _pad(k):
    return tuple((a - 1) // 2 for a in k)


class ConvNormAct(nn.Module):
    """conv (bias) -> InstanceNorm (affine, eps 1e-5) -> LeakyReLU(0.01), as native ConvNormAct."""

    def __init__(self, cin, cout, kernel=(3, 3, 3), stride=(1, 1, 1)):
        super().__init__()
        self.conv = nn.Conv3d(cin, cout, tuple(kernel), tuple(stride), _pad(kernel), bias=True)
        self.norm = nn.InstanceNorm3d(cout, eps=1e-5, affine=True)
        self.act = nn.LeakyReLU(0.01, inplace=True)

    def forward(self, x):
        return self.act(self.norm(self.conv(x)))


def stacked(cin, cout, kernel, first_stride=(1, 1, 1)):
    return nn.Sequential(ConvNormAct(cin, cout, kernel, first_stride), ConvNormAct(cout, cout, kernel))


class UNetPlusPlus(nn.Module):
    """The native UNet++ (native/src/core/unetpp.cc) module for module: the same parameter names
    (enc<d>.<0|1>.conv/norm, up<i>_<j>, node<i>_<j>.<0|1>.conv/norm, head<j>), registration order, per-plan kernels
    (encoder stage d: conv_kernels[d], stride pool_kernels[d-1]; node X^{i,j}: conv_kernels[i+1]; up feeding X^{i,j}:
    kernel = stride = pool_kernels[i]), and init (He normal a=0.01 on conv / transposed-conv weights, zero biases)."""

    def __init__(self, cin, classes, base, maxf, npool, pool_kernels=None, conv_kernels=None):
        super().__init__()
        pool_kernels = [tuple(k) for k in pool_kernels] if pool_kernels else [(2, 2, 2)] * npool
        conv_kernels = [tuple(k) for k in conv_kernels] if conv_kernels else [(3, 3, 3)] * (npool + 1)
        assert len(pool_kernels) == npool and len(conv_kernels) == npool + 1, "plan: npool / kernel counts differ"
        f = [min(base * 2 ** d, maxf) for d in range(npool + 1)]
        self.npool = npool
        for d in range(npool + 1):
            self.add_module(f"enc{d}", stacked(cin if d == 0 else f[d - 1], f[d], conv_kernels[d],
                                               (1, 1, 1) if d == 0 else pool_kernels[d - 1]))
        for i in range(npool):
            for j in range(1, npool - i + 1):
                self.add_module(f"up{i}_{j}", nn.ConvTranspose3d(f[i + 1], f[i], pool_kernels[i], pool_kernels[i],
                                                                 bias=False))
                self.add_module(f"node{i}_{j}", stacked(f[i] * (j + 1), f[i], conv_kernels[i + 1]))
        for j in range(1, npool + 1):
            self.add_module(f"head{j}", nn.Conv3d(f[0], classes, 1, bias=False))
        for m in self.modules():
            if isinstance(m, (nn.Conv3d, nn.ConvTranspose3d)):
                nn.init.kaiming_normal_(m.weight, a=1e-2)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def forward(self, x):
        m = self._modules
        grid = [[] for _ in range(self.npool + 1)]
        grid[0].append(m["enc0"](x))
        for d in range(1, self.npool + 1):
            grid[d].append(m[f"enc{d}"](grid[d - 1][0]))
            for j in range(1, d + 1):  # the column's nodes, deepest first: X^{d-1,1}, ..., X^{0,d}
                i = d - j
                parts = grid[i][:j] + [m[f"up{i}_{j}"](grid[i + 1][j - 1])]
                grid[i].append(m[f"node{i}_{j}"](torch.cat(parts, 1)))
        return [m[f"head{j}"](grid[0][j]) for j in range(1, self.npool + 1)]


def dc_ce(logits, target, smooth=1e-5):
    logits = logits.float()
    ce = nn.functional.cross_entropy(logits, target)
    p = torch.softmax(logits, 1)
    y = torch.zeros_like(p).scatter_(1, target.unsqueeze(1), 1.0)
    axes = (0, 2, 3, 4)
    tp = (p * y).sum(axes)
    fp = p.sum(axes) - tp
    fn = y.sum(axes) - tp
    dc = (2 * tp + smooth) / (2 * tp + fp + fn + smooth + 1e-8)
    return ce - dc[1:].mean()


def backward_and_step(loss, net, opt, scaler):
    """Backward, gradient norm clipped to 12 (nnU-Net), optimizer step; through the GradScaler when fp16."""
    if scaler:
        scaler.scale(loss).backward()
        scaler.unscale_(opt)
        nn.utils.clip_grad_norm_(net.parameters(), 12)
        scaler.step(opt)
        scaler.update()
    else:
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 12)
        opt.step()


def setup(device, base, npool, patch, batch, amp):
    """The seeded network, SGD, batch and AMP settings of a bench step (also step_variants.py's):
    (net, opt, x, y, use_amp, dtype, scaler); scaler is a GradScaler for fp16 autocast, else None."""
    torch.manual_seed(0)
    net = UNetPlusPlus(1, 3, base, 320, npool).to(device).train()
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.99, nesterov=True, weight_decay=3e-5)
    x = torch.randn(batch, 1, patch, patch, patch).to(device)
    y = torch.randint(0, 3, (batch, patch, patch, patch)).to(device)
    use_amp = device.type == "cuda" and amp != "off"
    dtype = torch.bfloat16 if amp in ("bf16", "auto") else torch.float16
    scaler = None
    if use_amp and dtype == torch.float16:
        scaler = torch.amp.GradScaler("cuda") if hasattr(torch.amp, "GradScaler") else torch.cuda.amp.GradScaler()
    return net, opt, x, y, use_amp, dtype, scaler


def main():
    threads, base, npool, patch, batch, warmup, steps = map(int, sys.argv[1:8])
    device = torch.device(sys.argv[8] if len(sys.argv) > 8 else "cpu")
    amp = sys.argv[9] if len(sys.argv) > 9 else "off"
    torch.set_num_threads(threads)
    torch.backends.cudnn.benchmark = os.environ.get("CUDNN_BENCHMARK", "0") == "1"
    net, opt, x, y, use_amp, dtype, scaler = setup(device, base, npool, patch, batch, amp)

    def step():
        opt.zero_grad()
        if use_amp:
            with torch.autocast(device.type, dtype=dtype):
                heads = net(x)
        else:
            heads = net(x)
        loss = sum(dc_ce(h, y) for h in heads)
        backward_and_step(loss, net, opt, scaler)
        return loss.item()

    for _ in range(warmup):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    start_ms = time.time() * 1000
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    s = time.perf_counter() - t0
    print(f"TIMED_WINDOW {start_ms:.0f} {time.time() * 1000:.0f}")
    print(f"python {1000 * s / steps:.3f} {batch * steps / s:.3f} torch={torch.__version__} threads={torch.get_num_threads()} "
          f"cudnn_benchmark={int(torch.backends.cudnn.benchmark)}")


if __name__ == "__main__":
    main()

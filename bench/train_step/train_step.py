"""The Python half of bench/train_step: the same UNet++ (recipe section 7), loss (DC+CE over every head, equal
weights), clip 12 and SGD step as native/bench/train_step_bench.cc, written against PyTorch's Python API.
Usage: train_step.py threads base npool patch batch warmup steps [device] [amp]
Prints "python <ms per step> <samples/s>"."""
import sys
import time

import torch
from torch import nn


class ConvNormAct(nn.Module):
    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv = nn.Conv3d(cin, cout, 3, stride, 1, bias=True)
        self.norm = nn.InstanceNorm3d(cout, eps=1e-5, affine=True)
        self.act = nn.LeakyReLU(0.01, inplace=True)

    def forward(self, x):
        return self.act(self.norm(self.conv(x)))


def stacked(cin, cout, stride=1):
    return nn.Sequential(ConvNormAct(cin, cout, stride), ConvNormAct(cout, cout))


class UNetPlusPlus(nn.Module):
    def __init__(self, cin, classes, base, maxf, npool):
        super().__init__()
        f = [min(base * 2 ** d, maxf) for d in range(npool + 1)]
        self.npool = npool
        self.enc = nn.ModuleList([stacked(cin if d == 0 else f[d - 1], f[d], 1 if d == 0 else 2) for d in range(npool + 1)])
        self.ups = nn.ModuleDict()
        self.nodes = nn.ModuleDict()
        for i in range(npool):
            for j in range(1, npool - i + 1):
                self.ups[f"{i}_{j}"] = nn.ConvTranspose3d(f[i + 1], f[i], 2, 2, bias=False)
                self.nodes[f"{i}_{j}"] = stacked(f[i] * (j + 1), f[i])
        self.heads = nn.ModuleList([nn.Conv3d(f[0], classes, 1, bias=False) for _ in range(npool)])
        for m in self.modules():
            if isinstance(m, (nn.Conv3d, nn.ConvTranspose3d)):
                nn.init.kaiming_normal_(m.weight, a=1e-2)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def forward(self, x):
        grid = [[] for _ in range(self.npool + 1)]
        grid[0].append(self.enc[0](x))
        for d in range(1, self.npool + 1):
            grid[d].append(self.enc[d](grid[d - 1][0]))
            for j in range(1, d + 1):
                i = d - j
                parts = grid[i][:j] + [self.ups[f"{i}_{j}"](grid[i + 1][j - 1])]
                grid[i].append(self.nodes[f"{i}_{j}"](torch.cat(parts, 1)))
        return [self.heads[j - 1](grid[0][j]) for j in range(1, self.npool + 1)]


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


def main():
    threads, base, npool, patch, batch, warmup, steps = map(int, sys.argv[1:8])
    device = torch.device(sys.argv[8] if len(sys.argv) > 8 else "cpu")
    amp = sys.argv[9] if len(sys.argv) > 9 else "off"
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    net = UNetPlusPlus(1, 3, base, 320, npool).to(device).train()
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.99, nesterov=True, weight_decay=3e-5)
    x = torch.randn(batch, 1, patch, patch, patch).to(device)
    y = torch.randint(0, 3, (batch, patch, patch, patch)).to(device)
    use_amp = device.type == "cuda" and amp != "off"
    dtype = torch.bfloat16 if amp in ("bf16", "auto") else torch.float16
    scaler = torch.cuda.amp.GradScaler() if use_amp and dtype == torch.float16 else None

    def step():
        opt.zero_grad()
        if use_amp:
            with torch.autocast(device.type, dtype=dtype):
                heads = net(x)
        else:
            heads = net(x)
        loss = sum(dc_ce(h, y) for h in heads)
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
        return loss.item()

    for _ in range(warmup):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    s = time.perf_counter() - t0
    print(f"python {1000 * s / steps:.3f} {batch * steps / s:.3f} torch={torch.__version__} threads={torch.get_num_threads()}")


if __name__ == "__main__":
    main()

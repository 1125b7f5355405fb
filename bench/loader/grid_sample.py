"""The spatial augmentation on the device, for comparison with the native loader's CPU threads.

Times what a device-side spatial transform would cost per sample at the Task03 plan: upload of the enlarged
source patch (205^3 for a 128^3 patch; image float32 + label as float), a random rotation (+-30 deg per axis) and
scaling (0.7-1.4) for every sample through affine_grid, trilinear grid_sample of the image and nearest of the
label. The intensity transforms and mirroring are not included (the CPU loader does them after the warp).
Prints: grid_sample <samples/s> samples/s (<ms> ms per batch of <b>, device <d>, upload included)
Usage: python3 bench/loader/grid_sample.py [device] [threads] [source] [patch] [batch] [reps]
"""
import math
import sys
import time

import torch
import torch.nn.functional as F


def rotation(ax, ay, az):
    cx, sx, cy, sy, cz, sz = math.cos(ax), math.sin(ax), math.cos(ay), math.sin(ay), math.cos(az), math.sin(az)
    rx = torch.tensor([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    ry = torch.tensor([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rz = torch.tensor([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    return rz @ ry @ rx


def main():
    a = sys.argv[1:]
    device = torch.device(a[0] if len(a) > 0 else ("cuda" if torch.cuda.is_available() else "cpu"))
    threads, source, patch = (int(a[1]) if len(a) > 1 else 1), (int(a[2]) if len(a) > 2 else 205), (int(a[3]) if len(a) > 3 else 128)
    batch, reps = (int(a[4]) if len(a) > 4 else 2), (int(a[5]) if len(a) > 5 else 10)
    torch.set_num_threads(threads)
    g = torch.Generator().manual_seed(0)
    image = torch.randn(batch, 1, source, source, source, generator=g).pin_memory() if device.type == "cuda" else \
        torch.randn(batch, 1, source, source, source, generator=g)
    label = (torch.rand(batch, 1, source, source, source, generator=g) * 3).floor()
    if device.type == "cuda":
        label = label.pin_memory()

    def one():
        theta = []
        for _ in range(batch):
            angles = [(torch.rand(1, generator=g).item() * 2 - 1) * math.radians(30) for _ in range(3)]
            scale = 0.7 + torch.rand(1, generator=g).item() * 0.7
            # the patch is the centre (patch/source) of the source window in normalised coordinates
            m = rotation(*angles) / scale * (patch / source)
            theta.append(torch.cat([m, torch.zeros(3, 1)], dim=1))
        theta = torch.stack(theta).to(device, torch.float32)
        x = image.to(device, non_blocking=True)
        y = label.to(device, non_blocking=True)
        grid = F.affine_grid(theta, [batch, 1, patch, patch, patch], align_corners=False)
        xi = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
        yi = F.grid_sample(y, grid, mode="nearest", padding_mode="zeros", align_corners=False)
        return xi, yi

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    for _ in range(2):
        one()
    sync()
    t0 = time.perf_counter()
    for _ in range(reps):
        xi, yi = one()
    sync()
    dt = (time.perf_counter() - t0) / reps
    assert xi.shape == (batch, 1, patch, patch, patch) and yi.shape == xi.shape
    print(f"grid_sample {batch / dt:.2f} samples/s ({dt * 1e3:.1f} ms per batch of {batch}, device {device}, "
          f"source {source}^3 -> patch {patch}^3, upload included, torch {torch.__version__})")


if __name__ == "__main__":
    main()

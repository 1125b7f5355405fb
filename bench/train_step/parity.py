"""The Python half of the parity check (native/bench/parity_bench.cc writes the other half): loads the native
UNet++'s initial parameters into train_step.py's UNetPlusPlus (every parameter matched by name, shapes equal, none
left over on either side), runs the same seeded input through it and compares the per-head outputs, then the loss
(DC+CE over every head) and the gradient norms of one training step.
Usage: parity.py DIR [--threads N] [--tol-out 1e-3] [--tol-loss 1e-4] [--tol-grad 1e-3]
max_rel is max |native - python| / max |python| over all head outputs (element-wise relative error is meaningless
near zero); grad_rel compares the total gradient norm; param_grad compares each parameter's gradient norm, as a
fraction of the total norm. Last line: "PARITY max_abs=... max_rel=... loss_native=... loss_python=... ok|FAIL".
Exit status 0 only when every figure is within its tolerance. Run with fp32 (no autocast) and, on CUDA, with
NVIDIA_TF32_OVERRIDE=0 so neither side uses TF32."""
import argparse
import json
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_step import UNetPlusPlus, dc_ce  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--device", default="")
    ap.add_argument("--tol-out", type=float, default=1e-3)
    ap.add_argument("--tol-loss", type=float, default=1e-4)
    ap.add_argument("--tol-grad", type=float, default=1e-3)
    a = ap.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    with open(os.path.join(a.dir, "index.json")) as f:
        index = json.load(f)
    plan = index["plan"]
    device = torch.device(a.device or index["device"])
    net = UNetPlusPlus(plan["in_channels"], plan["num_classes"], plan["base_features"], plan["max_features"],
                       len(plan["pool_kernels"]), plan["pool_kernels"], plan["conv_kernels"])

    # Parameters: both sides' names must match one to one, with equal shapes.
    ours = dict(net.named_parameters())
    theirs = {p["name"]: p for p in index["params"]}
    missing, extra = sorted(set(ours) - set(theirs)), sorted(set(theirs) - set(ours))
    if missing or extra:
        sys.exit(f"parity: parameter names differ: only in python {missing[:8]}, only in native {extra[:8]}")
    state = {}
    for name, p in theirs.items():
        w = np.load(os.path.join(a.dir, "params", name + ".npy"))
        if list(w.shape) != list(ours[name].shape) or list(w.shape) != list(p["shape"]):
            sys.exit(f"parity: {name}: native shape {list(w.shape)}, python shape {list(ours[name].shape)}")
        state[name] = torch.from_numpy(w)
    buffers = [n for n, _ in net.named_buffers()]
    if buffers:
        sys.exit(f"parity: python network has buffers the native one does not write: {buffers[:8]}")
    net.load_state_dict(state, strict=True)
    net.to(device).train()

    x = torch.from_numpy(np.load(os.path.join(a.dir, "input.npy"))).to(device)
    y = torch.from_numpy(np.load(os.path.join(a.dir, "target.npy"))).to(device)
    heads = net(x)
    if len(heads) != len(index["heads"]):
        sys.exit(f"parity: {len(heads)} python heads, {len(index['heads'])} native heads")
    max_abs, ref_max, head_rel = 0.0, 0.0, []
    for h, file in zip(heads, index["heads"]):
        native = torch.from_numpy(np.load(os.path.join(a.dir, file))).to(device)
        if tuple(native.shape) != tuple(h.shape):
            sys.exit(f"parity: {file}: native shape {tuple(native.shape)}, python {tuple(h.shape)}")
        d = (native.double() - h.detach().double()).abs().max().item()
        r = h.detach().abs().max().item()
        head_rel.append(d / max(r, 1e-30))
        max_abs, ref_max = max(max_abs, d), max(ref_max, r)
    max_rel = max_abs / max(ref_max, 1e-30)

    per_head = [dc_ce(h, y) for h in heads]
    loss = sum(per_head)
    loss.backward()
    grads = {n: (p.grad.double().norm().item() if p.grad is not None else 0.0) for n, p in net.named_parameters()}
    grad_norm = math.sqrt(sum(g * g for g in grads.values()))
    loss_py, loss_nat = loss.item(), index["loss"]
    loss_rel = abs(loss_py - loss_nat) / max(abs(loss_py), 1e-30)
    grad_rel = abs(grad_norm - index["grad_norm"]) / max(grad_norm, 1e-30)
    worst_name, worst = "", 0.0
    for n, g in grads.items():
        dv = abs(g - index["grad_norms"][n]) / max(grad_norm, 1e-30)
        if dv > worst:
            worst_name, worst = n, dv
    head_loss_rel = max(abs(p.item() - q) / max(abs(p.item()), 1e-30) for p, q in zip(per_head, index["head_losses"]))

    ok = (max_rel <= a.tol_out and loss_rel <= a.tol_loss and head_loss_rel <= a.tol_loss and grad_rel <= a.tol_grad
          and worst <= a.tol_grad and all(math.isfinite(v) for v in (max_abs, loss_py, grad_norm)))
    n_params = sum(p.numel() for p in net.parameters())
    print(f"parity-python {n_params} parameters in {len(ours)} tensors matched by name, device {device}, "
          f"torch {torch.__version__}; per-head max_rel {' '.join(f'{v:.2e}' for v in head_rel)}")
    print(f"parity-python loss_rel={loss_rel:.2e} head_loss_rel={head_loss_rel:.2e} grad_norm_native={index['grad_norm']:.6f} "
          f"grad_norm_python={grad_norm:.6f} grad_rel={grad_rel:.2e} worst_param_grad={worst:.2e} ({worst_name}) "
          f"tolerances out={a.tol_out:g} loss={a.tol_loss:g} grad={a.tol_grad:g}")
    print(f"PARITY max_abs={max_abs:.3e} max_rel={max_rel:.3e} loss_native={loss_nat:.6f} loss_python={loss_py:.6f} "
          f"grad_native={index['grad_norm']:.6f} grad_python={grad_norm:.6f} {'ok' if ok else 'FAIL'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

"""The Python half of the parity check (native/bench/parity_bench.cc writes the other half): loads the native network's
initial parameters into the Python definition of the same architecture (index.json plan.architecture: "unetpp" ->
train_step.py's UNetPlusPlus, names as the native ones; "unet" -> generic_unet.py's GenericUNet, nnU-Net's layout,
names mapped by generic_unet.native_name), every parameter matched by name, shapes equal, none left over on either
side; runs the same seeded input through it and compares the per-head outputs, then of one training step (DC+CE over
every head with the architecture's deep-supervision weights: UNet++ all 1 against the full-resolution target;
Generic_UNet nnU-Net's MultipleOutputLoss2, targets downsampled per output) the loss, the per-head losses, the
gradient with respect to every head's logits and every parameter's gradient.
Usage: parity.py DIR [--threads N] [--tol-out 1e-3] [--tol-loss 1e-4] [--tol-grad 1e-3]
Relative errors (element-wise relative error is meaningless near zero):
  max_rel        max |native - python| / max |python| over all head outputs; head_max_rel the worst single head
  dhead_max_rel  the same per head for d loss / d logits (a head of weight 0 gets none on either side), worst head
  grad_max_rel   per parameter max |g_native - g_python| / max(max |g_python|, 1e-3 G), G the largest gradient
                 element of any parameter (the floor keeps the conv biases before an InstanceNorm, whose gradient is
                 zero up to rounding, from dividing noise by noise); the worst parameter
  grad_rel       the total gradient norm; param_grad each parameter's gradient norm as a fraction of the total norm.
Last line: "PARITY network=... max_abs=... max_rel=... dhead_max_rel=... grad_max_rel=... loss_native=...
loss_python=... ok|FAIL". Exit status 0 only when every figure is within its tolerance (outputs: tol-out; gradients:
tol-grad; losses: tol-loss). Run with fp32 (no autocast) and, on CUDA, with NVIDIA_TF32_OVERRIDE=0 so neither side
uses TF32."""
import argparse
import json
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generic_unet import GenericUNet, deep_supervision_loss, native_name  # noqa: E402
from train_step import UNetPlusPlus, dc_ce  # noqa: E402


def build(plan):
    """(python network, native name -> python name, python heads -> native head order, loss(heads, y) -> (total,
    per-head list in native order))."""
    arch = plan.get("architecture", "unetpp")
    npool = len(plan["pool_kernels"])
    if arch == "unetpp":
        net = UNetPlusPlus(plan["in_channels"], plan["num_classes"], plan["base_features"], plan["max_features"],
                           npool, plan["pool_kernels"], plan["conv_kernels"])

        def loss(heads, y):
            per = [dc_ce(h, y) for h in heads]
            return sum(per), per
        return net, (lambda n: n), list, loss
    if arch == "unet":
        net = GenericUNet(plan["in_channels"], plan["num_classes"], plan["base_features"], plan["max_features"],
                          plan["pool_kernels"], plan["conv_kernels"])

        def loss(outputs, y):  # nnU-Net's tuple is full resolution first; the native heads are coarsest first
            total, per = deep_supervision_loss(outputs, y, dc_ce)
            return total, per[::-1]
        return net, (lambda n: native_name(n, npool)), (lambda outputs: list(outputs)[::-1]), loss
    sys.exit(f"parity: unknown architecture {arch!r}")


def rel(native, python):
    return (native.double() - python.double()).abs().max().item() / max(python.abs().max().item(), 1e-30)


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
    arch = plan.get("architecture", "unetpp")
    device = torch.device(a.device or index["device"])
    net, to_python, native_order, loss_fn = build(plan)

    # Parameters: both sides' names must match one to one (through the architecture's name map), with equal shapes.
    ours = dict(net.named_parameters())
    theirs = {to_python(p["name"]): p for p in index["params"]}
    missing, extra = sorted(set(ours) - set(theirs)), sorted(set(theirs) - set(ours))
    if missing or extra:
        sys.exit(f"parity: parameter names differ: only in python {missing[:8]}, only in native {extra[:8]}")
    state = {}
    for name, p in theirs.items():
        w = np.load(os.path.join(a.dir, "params", p["name"] + ".npy"))
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
    raw = net(x)
    for h in raw:
        h.retain_grad()
    heads = native_order(raw)
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

    loss, per_head = loss_fn(raw, y)
    loss.backward()
    grads = {n: (p.grad.double().norm().item() if p.grad is not None else 0.0) for n, p in net.named_parameters()}
    grad_norm = math.sqrt(sum(g * g for g in grads.values()))
    loss_py, loss_nat = loss.item(), index["loss"]
    loss_rel = abs(loss_py - loss_nat) / max(abs(loss_py), 1e-30)
    grad_rel = abs(grad_norm - index["grad_norm"]) / max(grad_norm, 1e-30)
    worst_name, worst = "", 0.0
    native_of = {to_python(p["name"]): p["name"] for p in index["params"]}
    for n, g in grads.items():
        dv = abs(g - index["grad_norms"][native_of[n]]) / max(grad_norm, 1e-30)
        if dv > worst:
            worst_name, worst = n, dv
    head_loss_rel = max(abs(p.item() - q) / max(abs(p.item()), 1e-30) for p, q in zip(per_head, index["head_losses"]))

    # d loss / d logits per head; a head left out of the loss (weight 0) has none on either side.
    dhead_rel = []
    for h, file in zip(heads, index["head_grads"]):
        native = torch.from_numpy(np.load(os.path.join(a.dir, file))).to(device)
        ref = h.grad if h.grad is not None else torch.zeros_like(h)
        both_zero = ref.abs().max().item() == 0 and native.abs().max().item() == 0
        dhead_rel.append(0.0 if both_zero else rel(native, ref))
    dhead_max_rel = max(dhead_rel)
    # Every parameter's gradient, element by element.
    python_grads = {n: (p.grad if p.grad is not None else torch.zeros_like(p)) for n, p in net.named_parameters()}
    scale_floor = 1e-3 * max(g.abs().max().item() for g in python_grads.values())
    grad_max_rel, grad_worst = 0.0, ""
    for n, g in python_grads.items():
        native = torch.from_numpy(np.load(os.path.join(a.dir, "grads", native_of[n] + ".npy"))).to(device)
        if tuple(native.shape) != tuple(g.shape):
            sys.exit(f"parity: gradient of {n}: native shape {tuple(native.shape)}, python {tuple(g.shape)}")
        r = (native.double() - g.double()).abs().max().item() / max(g.abs().max().item(), scale_floor, 1e-30)
        if r > grad_max_rel:
            grad_max_rel, grad_worst = r, n

    ok = (max_rel <= a.tol_out and max(head_rel) <= a.tol_out and loss_rel <= a.tol_loss
          and head_loss_rel <= a.tol_loss and grad_rel <= a.tol_grad and worst <= a.tol_grad
          and dhead_max_rel <= a.tol_grad and grad_max_rel <= a.tol_grad
          and all(math.isfinite(v) for v in (max_abs, loss_py, grad_norm)))
    n_params = sum(p.numel() for p in net.parameters())
    print(f"parity-python {arch}: {n_params} parameters in {len(ours)} tensors matched by name, device {device}, "
          f"torch {torch.__version__}; per-head max_rel {' '.join(f'{v:.2e}' for v in head_rel)}; "
          f"per-head d/dlogits max_rel {' '.join(f'{v:.2e}' for v in dhead_rel)}")
    print(f"parity-python loss_rel={loss_rel:.2e} head_loss_rel={head_loss_rel:.2e} grad_norm_native={index['grad_norm']:.6f} "
          f"grad_norm_python={grad_norm:.6f} grad_rel={grad_rel:.2e} worst_param_grad={worst:.2e} ({worst_name}) "
          f"grad_max_rel={grad_max_rel:.2e} ({grad_worst}) "
          f"tolerances out={a.tol_out:g} loss={a.tol_loss:g} grad={a.tol_grad:g}")
    print(f"PARITY network={arch} max_abs={max_abs:.3e} max_rel={max_rel:.3e} head_max_rel={max(head_rel):.3e} "
          f"dhead_max_rel={dhead_max_rel:.3e} grad_max_rel={grad_max_rel:.3e} loss_native={loss_nat:.6f} "
          f"loss_python={loss_py:.6f} grad_native={index['grad_norm']:.6f} grad_python={grad_norm:.6f} "
          f"{'ok' if ok else 'FAIL'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

"""nnU-Net v1's Generic_UNet in 3D as nnUNetTrainerV2 configures it (convolutional pooling and upsampling, no dropout,
deep supervision, upscale_logits off, heads without bias), and its deep-supervision loss (MultipleOutputLoss2 over
DC_and_CE with targets downsampled per output): the Python side of the parity check of
native/src/core/generic_unet.cc (see parity.py). Written from recipe.md 7.2-7.3, 7.7 and 8.3 in nnU-Net's module
layout and state-dict names (conv_blocks_context, tu, conv_blocks_localization, seg_outputs; each block
conv -> instnorm -> lrelu), not from the native code: native_name() maps a native parameter name to this layout."""
import re

import torch
from torch import nn


def _pad(k):
    return tuple(1 if a == 3 else 0 for a in k)  # nnU-Net's conv_pad_sizes: 1 for a 3-kernel, else 0


class ConvDropoutNormNonlin(nn.Module):
    """nnU-Net's basic block without dropout (p 0): Conv3d (bias) -> InstanceNorm3d (eps 1e-5, affine) -> LeakyReLU."""

    def __init__(self, cin, cout, kernel, stride=(1, 1, 1)):
        super().__init__()
        self.conv = nn.Conv3d(cin, cout, tuple(kernel), tuple(stride), _pad(kernel), bias=True)
        self.instnorm = nn.InstanceNorm3d(cout, eps=1e-5, affine=True)
        self.lrelu = nn.LeakyReLU(1e-2, inplace=True)

    def forward(self, x):
        return self.lrelu(self.instnorm(self.conv(x)))


class StackedConvLayers(nn.Module):
    """n basic blocks; only the first carries first_stride."""

    def __init__(self, cin, cout, n, kernel, first_stride=(1, 1, 1)):
        super().__init__()
        self.blocks = nn.Sequential(*[ConvDropoutNormNonlin(cin if b == 0 else cout, cout, kernel,
                                                            first_stride if b == 0 else (1, 1, 1)) for b in range(n)])

    def forward(self, x):
        return self.blocks(x)


class GenericUNet(nn.Module):
    """conv_per_stage 2, features base*2^d capped at maxf. Encoder stage d < npool: 2 blocks with conv_kernels[d], the
    first strided by pool_kernels[d-1]; bottleneck: Sequential of two 1-block stacks, the first strided by
    pool_kernels[-1]. Decoder u = 0..npool-1 (deepest first): tu[u] = ConvTranspose3d(kernel = stride =
    pool_kernels[-(u+1)], no bias) to the skip's width, cat([up, skip]), then two 1-block stacks with
    conv_kernels[-(u+1)], and seg_outputs[u] (1x1x1, no bias). forward() returns nnU-Net's tuple: the full-resolution
    output first, then 1/2, 1/4, ..."""

    def __init__(self, cin, classes, base, maxf, pool_kernels, conv_kernels):
        super().__init__()
        pool_kernels = [tuple(k) for k in pool_kernels]
        conv_kernels = [tuple(k) for k in conv_kernels]
        npool = len(pool_kernels)
        assert len(conv_kernels) == npool + 1, "plan: conv_kernels needs npool + 1 entries"
        f = [min(base * 2 ** d, maxf) for d in range(npool + 1)]
        context = []
        for d in range(npool):
            stride = pool_kernels[d - 1] if d > 0 else (1, 1, 1)
            context.append(StackedConvLayers(cin if d == 0 else f[d - 1], f[d], 2, conv_kernels[d], stride))
        context.append(nn.Sequential(StackedConvLayers(f[npool - 1], f[npool], 1, conv_kernels[npool], pool_kernels[-1]),
                                     StackedConvLayers(f[npool], f[npool], 1, conv_kernels[npool])))
        tu, localization, seg = [], [], []
        for u in range(npool):
            down, skip = f[npool - u], f[npool - 1 - u]
            tu.append(nn.ConvTranspose3d(down, skip, pool_kernels[-(u + 1)], pool_kernels[-(u + 1)], bias=False))
            localization.append(nn.Sequential(StackedConvLayers(2 * skip, skip, 1, conv_kernels[-(u + 1)]),
                                              StackedConvLayers(skip, skip, 1, conv_kernels[-(u + 1)])))
            seg.append(nn.Conv3d(skip, classes, 1, 1, 0, bias=False))
        self.conv_blocks_context = nn.ModuleList(context)
        self.tu = nn.ModuleList(tu)
        self.conv_blocks_localization = nn.ModuleList(localization)
        self.seg_outputs = nn.ModuleList(seg)
        self.pool_kernels = pool_kernels
        for m in self.modules():  # InitWeights_He(1e-2)
            if isinstance(m, (nn.Conv3d, nn.ConvTranspose3d)):
                nn.init.kaiming_normal_(m.weight, a=1e-2)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def forward(self, x):
        skips = []
        for stage in self.conv_blocks_context[:-1]:
            x = stage(x)
            skips.append(x)
        x = self.conv_blocks_context[-1](x)
        outputs = []
        for u, (up, block, head) in enumerate(zip(self.tu, self.conv_blocks_localization, self.seg_outputs)):
            x = block(torch.cat((up(x), skips[-(u + 1)]), 1))
            outputs.append(head(x))
        return tuple(reversed(outputs))


def native_name(name, npool):
    """The name of native parameter `name` (enc<d>.<b>.conv|norm.*, up<i>, dec<i>.<b>.conv|norm.*, head<i>; i the
    decoder level, 0 = full resolution) in GenericUNet's (nnU-Net's) layout."""
    name = re.sub(r"\.norm\.", ".instnorm.", name)
    m = re.fullmatch(r"enc(\d+)\.(\d)\.(.*)", name)
    if m:
        d, b, rest = int(m[1]), m[2], m[3]
        if d < npool:
            return f"conv_blocks_context.{d}.blocks.{b}.{rest}"
        return f"conv_blocks_context.{d}.{b}.blocks.0.{rest}"
    m = re.fullmatch(r"up(\d+)\.(.*)", name)
    if m:
        return f"tu.{npool - 1 - int(m[1])}.{m[2]}"
    m = re.fullmatch(r"dec(\d+)\.(\d)\.(.*)", name)
    if m:
        return f"conv_blocks_localization.{npool - 1 - int(m[1])}.{m[2]}.blocks.0.{m[3]}"
    m = re.fullmatch(r"head(\d+)\.(.*)", name)
    if m:
        return f"seg_outputs.{npool - 1 - int(m[1])}.{m[2]}"
    raise ValueError(f"not a Generic_UNet parameter name: {name}")


def ds_loss_weights(n):
    """nnUNetTrainerV2: 1/2^i for output i (0 = full resolution), the last (coarsest) output masked to 0, normalised."""
    w = [1 / 2 ** i for i in range(n)]
    if n > 1:
        w[-1] = 0.0
    s = sum(w)
    return [v / s for v in w]


def ds_targets(target, outputs):
    """The label map at each output's size: nnU-Net downsamples with skimage resize order 0 (pixel-centre aligned
    nearest neighbour, floor((o + 0.5) * scale)), which is torch's 'nearest-exact'."""
    y = target[:, None].float()
    return [nn.functional.interpolate(y, size=tuple(o.shape[2:]), mode="nearest-exact")[:, 0].long() for o in outputs]


def deep_supervision_loss(outputs, target, loss_fn):
    """MultipleOutputLoss2: sum_i w_i * loss(x[i], y[i]), outputs whose weight is 0 left out. Returns (total, per
    output loss list in the tuple's order)."""
    weights = ds_loss_weights(len(outputs))
    per = [loss_fn(o, t) for o, t in zip(outputs, ds_targets(target, outputs))]
    total = weights[0] * per[0]
    for w, p in zip(weights[1:], per[1:]):
        if w != 0:
            total = total + w * p
    return total, per

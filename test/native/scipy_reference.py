"""Reference outputs of the reference's spatial transform and blur, computed with scipy the way
batchgenerators v0.21 does (augment_spatial with random_crop False, interpolate_img, gaussian_filter).

Usage: /usr/bin/python3 scipy_reference.py OUT_DIR
Writes raw little-endian files read by native/tests/augment_test.cc (argument OUT_DIR):
  meta.txt            S0 S1 S2 P0 P1 P2, then one line per warp: a0 a1 a2 scale
  source.f32          source patch (S), float32
  source.i8           source labels (S), int8 in {-1, 0, 1, 2}
  warp<k>.f32/.i8     image (order 3, constant 0) and labels (per-label order 1, constant -1, >= 0.5) (P)
  blur.f32            gaussian_filter(source, 0.8), mode reflect, truncate 4 (S)
  lowres<k>.f32       simulated low resolution of source at zoom LOWRES_ZOOMS[k]: skimage.resize's
                      ndi.zoom(grid_mode=True, mode 'nearest') order 0 down to round(S * zoom), order 3 back (S)
"""
import os
import sys

import numpy as np
from scipy.ndimage import gaussian_filter, map_coordinates, zoom

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.RandomState(0)
S = (23, 21, 25)
P = (14, 12, 16)
source = (gaussian_filter(rng.randn(*S), 1.0) * 3 + 0.3 * rng.randn(*S)).astype(np.float32)
field = gaussian_filter(rng.randn(*S), 2.0)
q = np.quantile(field, [0.15, 0.6, 0.85])
labels = np.digitize(field, q).astype(np.int8) - 1  # -1, 0, 1, 2
warps = [(0.35, -0.25, 0.5, 0.85), (0.2, 0.4, -0.3, 1.35), (0.0, 0.0, 0.0, 1.0)]


def rotation(ax, ay, az):
    rx = np.array([[1, 0, 0], [0, np.cos(ax), -np.sin(ax)], [0, np.sin(ax), np.cos(ax)]])
    ry = np.array([[np.cos(ay), 0, np.sin(ay)], [0, 1, 0], [-np.sin(ay), 0, np.cos(ay)]])
    rz = np.array([[np.cos(az), -np.sin(az), 0], [np.sin(az), np.cos(az), 0], [0, 0, 1]])
    return rx @ ry @ rz


source.tofile(os.path.join(out, 'source.f32'))
labels.tofile(os.path.join(out, 'source.i8'))
with open(os.path.join(out, 'meta.txt'), 'w') as meta:
    meta.write(' '.join(str(v) for v in S + P) + '\n')
    for k, (a0, a1, a2, scale) in enumerate(warps):
        meta.write(f'{a0!r} {a1!r} {a2!r} {scale!r}\n')
        coords = np.array(np.meshgrid(*[np.arange(n) for n in P], indexing='ij'), dtype=float)
        for d in range(3):
            coords[d] -= (P[d] - 1) / 2.0
        coords = (coords.reshape(3, -1).T @ rotation(a0, a1, a2)).T.reshape(coords.shape) * scale
        for d in range(3):
            coords[d] += int(np.round(S[d] / 2.0))
        image = map_coordinates(source.astype(float), coords, order=3, mode='constant', cval=0.0)
        seg = np.zeros(P, dtype=np.int8)
        for c in np.unique(labels):
            mask = map_coordinates((labels == c).astype(float), coords, order=1, mode='constant', cval=-1)
            seg[mask >= 0.5] = c
        seg[seg < 0] = 0
        image.astype(np.float32).tofile(os.path.join(out, f'warp{k}.f32'))
        seg.tofile(os.path.join(out, f'warp{k}.i8'))
gaussian_filter(source, 0.8, mode='reflect', truncate=4.0).astype(np.float32).tofile(os.path.join(out, 'blur.f32'))

LOWRES_ZOOMS = [0.5, 0.73]
with open(os.path.join(out, 'lowres.txt'), 'w') as f:
    f.write(' '.join(repr(z) for z in LOWRES_ZOOMS) + '\n')
for k, z in enumerate(LOWRES_ZOOMS):
    target = np.round(np.array(S) * z).astype(int)
    x = source.astype(float)
    down = zoom(x, target / np.array(S), order=0, mode='nearest', grid_mode=True)
    assert down.shape == tuple(target), (down.shape, target)
    up = zoom(down, np.array(S) / target, order=3, mode='nearest', grid_mode=True)
    assert up.shape == S
    up.astype(np.float32).tofile(os.path.join(out, f'lowres{k}.f32'))

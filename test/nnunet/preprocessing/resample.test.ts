import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPreprocessNative } from '../../../src/native/addon/index.js';
import { writeNpy } from '../../../src/io/npy.js';
import { resamplePlan } from '../../../src/nnunet/preprocessing/resample-plan.js';
import { python, readNpy } from './npy-helpers.js';

const native = loadPreprocessNative();
const dir = mkdtempSync(join(tmpdir(), 'pipe-resample-'));

type V3 = [number, number, number];
const coord = (i: number, n: number, m: number) => (i + 0.5) * (n / m) - 0.5;
// A smooth field in mm: Gaussian blob plus a slow wave (bounded derivatives).
const field = (z: number, y: number, x: number) =>
  400 * Math.exp(-((z - 14) ** 2 + (y - 15) ** 2 + (x - 13) ** 2) / (2 * 6 ** 2)) + 50 * Math.sin(z / 7) * Math.cos(x / 9);

function sample(shape: V3, spacing: V3): Float32Array {
  const out = new Float32Array(shape[0] * shape[1] * shape[2]);
  let k = 0;
  for (let z = 0; z < shape[0]; z++)
    for (let y = 0; y < shape[1]; y++) for (let x = 0; x < shape[2]; x++) out[k++] = field(z * spacing[0], y * spacing[1], x * spacing[2]);
  return out;
}

describe('image resampling (order-3 spline, scipy zoom grid_mode semantics)', () => {
  const inShape: V3 = [12, 36, 34];
  const inSpacing: V3 = [2.5, 0.8, 0.8];
  const target: V3 = [1, 0.77, 0.77];
  const vol = sample(inShape, inSpacing);

  it('matches the analytic field (clipped to the input range) within 0.5% of its range away from the faces (joint resampling)', async () => {
    const outShape: V3 = [30, 37, 35];
    const r = await native.resampleImage(vol, inShape, outShape, -1, 2);
    // The blob's peak falls between samples: like skimage's resize, the output stops at the input's range.
    const lo = vol.reduce((a, b) => Math.min(a, b)), hi = vol.reduce((a, b) => Math.max(a, b));
    let worst = 0;
    for (let z = 3; z < outShape[0] - 3; z++)
      for (let y = 3; y < outShape[1] - 3; y++)
        for (let x = 3; x < outShape[2] - 3; x++) {
          const v = Math.min(hi, Math.max(lo, field(coord(z, inShape[0], outShape[0]) * inSpacing[0],
            coord(y, inShape[1], outShape[1]) * inSpacing[1], coord(x, inShape[2], outShape[2]) * inSpacing[2])));
          worst = Math.max(worst, Math.abs((r[(z * outShape[1] + y) * outShape[2] + x] as number) - v));
        }
    // Stated tolerance: 2 (0.5% of the field's ~450 range); measured 0.61.
    console.info(`analytic max abs error ${worst.toFixed(3)}`);
    expect(worst).toBeLessThan(2);
  });

  for (const outShape of [[30, 37, 35], [9, 50, 21]] as V3[]) {
  it(`agrees with scipy.ndimage.zoom(order=3, mode="nearest", grid_mode=True) clipped to the input range to float32 rounding (to ${outShape.join('x')})`, async () => {
    const r = await native.resampleImage(vol, inShape, outShape, -1, 2);
    await writeNpy(join(dir, 'in.npy'), [vol], inShape);
    python(`
import numpy as np, scipy.ndimage as nd
v = np.load('${dir}/in.npy').astype(np.float64)
out = (${outShape.join(',')})
r = np.clip(nd.zoom(v, np.array(out) / np.array(v.shape), order=3, mode='nearest', grid_mode=True), v.min(), v.max())
np.save('${dir}/scipy.npy', r.astype(np.float32))`);
    const ref = readNpy(join(dir, 'scipy.npy'));
    expect(ref.shape).toEqual(outShape);
    let worst = 0;
    for (let i = 0; i < r.length; i++) worst = Math.max(worst, Math.abs((r[i] as number) - (ref.data[i] as number)));
    console.info(`max abs diff vs scipy ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-3);
  });
  }

  it('resamples linearly (order 1, for probabilities on export) like scipy zoom(order=1)', async () => {
    const outShape: V3 = [9, 50, 21];
    const r = await native.resampleImage(vol, inShape, outShape, -1, 2, 1);
    await writeNpy(join(dir, 'in.npy'), [vol], inShape);
    python(`
import numpy as np, scipy.ndimage as nd
v = np.load('${dir}/in.npy').astype(np.float64)
r = nd.zoom(v, np.array((${outShape.join(',')})) / np.array(v.shape), order=1, mode='nearest', grid_mode=True)
np.save('${dir}/scipy.npy', r.astype(np.float32))`);
    const ref = readNpy(join(dir, 'scipy.npy'));
    let worst = 0;
    for (let i = 0; i < r.length; i++) worst = Math.max(worst, Math.abs((r[i] as number) - (ref.data[i] as number)));
    expect(worst).toBeLessThan(1e-3);
  });

  it('takes the separate-z path for 2.5 mm slices and matches nnU-Net (in-plane order 3, z order 0)', async () => {
    const rp = resamplePlan(inShape, inSpacing, target);
    expect(rp.nearestAxis).toBe(0);
    expect(rp.newShape).toEqual([30, 37, 35]);
    const r = await native.resampleImage(vol, inShape, rp.newShape, rp.nearestAxis, 2);
    await writeNpy(join(dir, 'in.npy'), [vol], inShape);
    python(`
import numpy as np, scipy.ndimage as nd
v = np.load('${dir}/in.npy').astype(np.float64)
Z, Y, X = (${rp.newShape.join(',')})
planes = np.stack([np.clip(nd.zoom(s, (Y / s.shape[0], X / s.shape[1]), order=3, mode='nearest', grid_mode=True), s.min(), s.max()) for s in v])
scale = v.shape[0] / Z
zz, yy, xx = np.mgrid[:Z, :Y, :X].astype(np.float64)
zz = scale * (zz + 0.5) - 0.5
r = nd.map_coordinates(planes, np.array([zz, yy, xx]), order=0, mode='nearest')
np.save('${dir}/scipy.npy', r.astype(np.float32))`);
    const ref = readNpy(join(dir, 'scipy.npy'));
    let worst = 0;
    for (let i = 0; i < r.length; i++) worst = Math.max(worst, Math.abs((r[i] as number) - (ref.data[i] as number)));
    console.info(`max abs diff vs scipy ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-3);
  });
});

// nnU-Net v1 resamples images with skimage's resize(order=3, mode='edge', anti_aliasing=False), whose default
// clip=True clips the output to the input's [min, max]: per volume, or per 2-D slice in the separate-z path
// (resample_data_or_seg), before the order-0 z step. A step edge makes the spline overshoot, so clipping shows.
describe('image resampling clips to the input range like skimage resize(clip=True) in nnU-Net v1', () => {
  const inShape: V3 = [12, 36, 34];
  // A step edge across x whose levels change from slice to slice (so per-slice and per-volume bounds differ).
  const vol = new Float32Array(inShape[0] * inShape[1] * inShape[2]);
  let k = 0;
  for (let z = 0; z < inShape[0]; z++)
    for (let y = 0; y < inShape[1]; y++) for (let x = 0; x < inShape[2]; x++) vol[k++] = (x < 17 + (y % 3) ? -50 : 100) * (1 + z / 10) + 3 * z;
  const nnunet = (outShape: V3, axis: number, order: number) => `
import numpy as np, scipy.ndimage as nd
def skimage_resize(img, shape, order):
    # skimage.transform.resize(img, shape, order, mode='edge', anti_aliasing=False) with its default clip=True
    bounds = (img.min(), img.max())
    out = nd.zoom(img, np.array(shape) / np.array(img.shape), order=order, mode='nearest', grid_mode=True)
    return np.clip(out, *bounds), out
v = np.load('${dir}/step.npy').astype(np.float64)
new = (${outShape.join(',')})
axis = ${axis}
if axis < 0:
    r, unclipped = skimage_resize(v, new, ${order})
    per_volume = r
else:
    # resample_data_or_seg, do_separate_z: each slice across the axis resized in-plane, then order 0 along it
    va = np.moveaxis(v, axis, 0)
    new_a = tuple(np.array(new)[[axis] + [a for a in range(3) if a != axis]])
    planes = [skimage_resize(s, new_a[1:], ${order}) for s in va]
    def z_step(stack):
        zz, yy, xx = np.mgrid[:new_a[0], :new_a[1], :new_a[2]].astype(np.float64)
        zz = va.shape[0] / new_a[0] * (zz + 0.5) - 0.5
        return np.moveaxis(nd.map_coordinates(stack, np.array([zz, yy, xx]), order=0, mode='nearest'), 0, axis)
    r = z_step(np.stack([p[0] for p in planes]))
    unclipped = z_step(np.stack([p[1] for p in planes]))
    per_volume = np.clip(unclipped, v.min(), v.max())
np.save('${dir}/step_ref.npy', r.astype(np.float32))
# how far the unclipped spline overshoots, and how far per-volume clipping is from nnU-Net's (discriminating power)
print(max(unclipped.max() - v.max(), v.min() - unclipped.min()), np.abs(per_volume - r).max())`;

  const cases: [string, V3, number, 1 | 3][] = [
    ['joint, order 3', [30, 37, 35], -1, 3],
    ['joint, order 3, downsampling', [9, 50, 21], -1, 3],
    ['separate z, order 3 in-plane', [30, 50, 47], 0, 3],
    ['separate axis 2 (transposed data), order 3 in-plane', [30, 50, 20], 2, 3],
    ['joint, order 1 (export): linear, so clipping changes nothing', [30, 37, 35], -1, 1],
  ];
  for (const [name, outShape, axis, order] of cases) {
    it(`matches nnU-Net's clipped resize on a step edge to float32 rounding (${name})`, async () => {
      const r = await native.resampleImage(vol, inShape, outShape, axis, 2, order);
      await writeNpy(join(dir, 'step.npy'), [vol], inShape);
      const [overshoot, perVolumeGap] = python(nnunet(outShape, axis, order)).trim().split(' ').map(Number);
      const ref = readNpy(join(dir, 'step_ref.npy'));
      expect(ref.shape).toEqual(outShape);
      let worst = 0;
      for (let i = 0; i < r.length; i++) worst = Math.max(worst, Math.abs((r[i] as number) - (ref.data[i] as number)));
      console.info(`${name}: spline overshoot ${overshoot?.toFixed(2)}, per-volume vs per-slice clip ${perVolumeGap?.toFixed(2)}, max abs diff vs nnU-Net ${worst.toExponential(2)}`);
      // The case must be able to fail: an order-3 spline overshoots the step by far more than the tolerance.
      if (order === 3) expect(overshoot).toBeGreaterThan(1);
      if (axis >= 0) expect(perVolumeGap).toBeGreaterThan(1);
      expect(worst).toBeLessThan(1e-3);
    });
  }
});

describe('label resampling (label-wise linear, >= 0.5)', () => {
  const shape: V3 = [14, 30, 28];
  const seg = new Int8Array(shape[0] * shape[1] * shape[2]);
  let k = 0;
  for (let z = 0; z < shape[0]; z++)
    for (let y = 0; y < shape[1]; y++)
      for (let x = 0; x < shape[2]; x++) {
        const d = Math.hypot((z - 7) * 2.5, (y - 15) * 0.8, (x - 13) * 0.8);
        const d2 = Math.hypot((z - 6) * 2.5, (y - 17) * 0.8, (x - 12) * 0.8);
        seg[k++] = d2 < 4 ? 2 : d < 10 ? 1 : x === 0 ? -1 : 0;
      }

  for (const [name, nearestAxis] of [['joint', -1], ['separate z', 0]] as const) {
    it(`invents no label values, keeps each label one connected region, and matches nnU-Net's method (${name})`, async () => {
      const outShape: V3 = [35, 31, 29];
      const r = await native.resampleLabels(seg, shape, outShape, nearestAxis, 2);
      expect([...new Set(r)].sort()).toEqual([-1, 0, 1, 2]);
      await writeNpy(join(dir, 'seg.npy'), [seg], shape);
      const out = python(`
import numpy as np, scipy.ndimage as nd
s = np.load('${dir}/seg.npy')
out = (${outShape.join(',')})
def resize(mask, shape):
    return nd.zoom(mask.astype(np.float64), np.array(shape) / np.array(mask.shape), order=1, mode='nearest', grid_mode=True)
def resize_seg(seg, shape):
    r = np.zeros(shape, dtype=seg.dtype)
    for c in np.unique(seg):
        r[resize(seg == c, shape) >= 0.5] = c
    return r
if ${nearestAxis} < 0:
    ref = resize_seg(s, out)
else:
    planes = np.stack([resize_seg(p, out[1:]) for p in s])
    idx = np.clip(np.floor((np.arange(out[0]) + 0.5) * s.shape[0] / out[0] - 0.5 + 0.5).astype(int), 0, s.shape[0] - 1)
    ref = planes[idx]
np.save('${dir}/seg_ref.npy', ref)
print(*[nd.label(ref == c)[1] for c in (1, 2)])`).trim();
      // Reference (nnU-Net's method on scipy) has one component per label; so must ours.
      expect(out).toBe('1 1');
      const ref = readNpy(join(dir, 'seg_ref.npy'));
      let diff = 0;
      for (let i = 0; i < r.length; i++) if (r[i] !== ref.data[i]) diff++;
      expect(diff).toBe(0);
    });
  }
});

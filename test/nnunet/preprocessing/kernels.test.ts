import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classLocations } from '../../../src/nnunet/preprocessing/class-locations.js';
import { loadPreprocessNative } from '../../../src/native/addon/index.js';
import { writeNpy } from '../../../src/io/npy.js';
import { python, readNpy } from './npy-helpers.js';

const native = loadPreprocessNative();
const dir = mkdtempSync(join(tmpdir(), 'pipe-kernels-'));

/** A deterministic pseudo-random generator for test volumes. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

describe('crop to nonzero (nnU-Net cropping.py)', () => {
  it('matches numpy/scipy: bounding box, binary_fill_holes and -1 outside the mask', async () => {
    const shape = [12, 20, 18] as const;
    const n = shape[0] * shape[1] * shape[2];
    const img = new Float32Array(n);
    const seg = new Int8Array(n);
    const rnd = lcg(3);
    let k = 0;
    for (let z = 0; z < shape[0]; z++)
      for (let y = 0; y < shape[1]; y++)
        for (let x = 0; x < shape[2]; x++, k++) {
          const r = Math.hypot(z - 6, (y - 10) / 1.3, (x - 9) / 1.2);
          // A hollow shell (a hole inside) with a ragged surface; labels inside.
          img[k] = r < 5.5 && r > 2 && rnd() > 0.05 ? 100 + rnd() : 0;
          seg[k] = r < 3 ? 2 : r < 4.5 ? 1 : 0;
        }
    const crop = await native.cropToNonzero([img], seg, shape, 2);
    await writeNpy(join(dir, 'img.npy'), [img], shape);
    await writeNpy(join(dir, 'seg.npy'), [seg], shape);
    const out = python(`
import numpy as np, json
from scipy.ndimage import binary_fill_holes
d = np.load('${dir}/img.npy'); s = np.load('${dir}/seg.npy')
mask = binary_fill_holes(d != 0)
w = np.where(d != 0)
bbox = [[int(w[i].min()), int(w[i].max()) + 1] for i in range(3)]
sl = tuple(slice(a, b) for a, b in bbox)
seg = s[sl].copy(); m = mask[sl]
seg[(seg == 0) & (m == 0)] = -1
np.save('${dir}/seg_ref.npy', seg)
print(json.dumps(bbox))`);
    expect(crop.bbox).toEqual(JSON.parse(out));
    const ref = readNpy(join(dir, 'seg_ref.npy'));
    expect(crop.shape).toEqual(ref.shape);
    expect(Array.from(crop.seg)).toEqual(Array.from(ref.data));
    expect(crop.seg.includes(-1)).toBe(true);
  });

  it('rejects an all-zero image', async () => {
    await expect(native.cropToNonzero([new Float32Array(8)], new Int8Array(8), [2, 2, 2], 1)).rejects.toThrow(/image is empty/);
  });
});

describe('foreground statistics (DatasetAnalyzer)', () => {
  it('samples every 10th label > 0 voxel and matches numpy percentile/mean/std/median', async () => {
    const n = 200_000;
    const rnd = lcg(5);
    const img = new Float32Array(n).map(() => Math.round((rnd() * 300 - 100) * 100) / 100);
    const seg = new Int8Array(n).map(() => (rnd() < 0.4 ? 1 : rnd() < 0.3 ? 2 : rnd() < 0.5 ? 0 : -1));
    const sample = await native.sampleForeground(img, seg, 10);
    const stats = await native.intensityStats(sample);
    await writeNpy(join(dir, 'fimg.npy'), [img], [n]);
    await writeNpy(join(dir, 'fseg.npy'), [seg], [n]);
    const ref = JSON.parse(python(`
import numpy as np, json
d = np.load('${dir}/fimg.npy'); s = np.load('${dir}/fseg.npy')
v = d[s > 0][::10]
print(json.dumps(dict(count=int(v.size), median=float(np.median(v)), mean=float(np.mean(v.astype(np.float64))),
  sd=float(np.std(v.astype(np.float64))), min=float(v.min()), max=float(v.max()),
  p995=float(np.percentile(v, 99.5)), p005=float(np.percentile(v, 0.5)))))`)) as Record<string, number>;
    expect(stats.count).toBe(ref['count']);
    expect(stats.median).toBeCloseTo(ref['median'] as number, 4);
    expect(stats.mean).toBeCloseTo(ref['mean'] as number, 6);
    expect(stats.sd).toBeCloseTo(ref['sd'] as number, 6);
    expect(stats.min).toBe(ref['min']);
    expect(stats.max).toBe(ref['max']);
    expect(stats.percentile99_5).toBeCloseTo(ref['p995'] as number, 4);
    expect(stats.percentile00_5).toBeCloseTo(ref['p005'] as number, 4);
  });
});

describe('normalisation (GenericPreprocessor)', () => {
  it('nonCT: z-scores per case like numpy, inside the mask (label >= 0) when asked, 0 outside', async () => {
    const n = 50_000;
    const rnd = lcg(11);
    const base = new Float32Array(n).map(() => rnd() * 500 + 20);
    const mask = new Int8Array(n).map(() => (rnd() < 0.3 ? -1 : 1));
    const all = Float32Array.from(base);
    const masked = Float32Array.from(base);
    await native.normalizeZScore(all, null, 2);
    await native.normalizeZScore(masked, mask, 2);
    await writeNpy(join(dir, 'zimg.npy'), [base], [n]);
    await writeNpy(join(dir, 'zmask.npy'), [mask], [n]);
    python(`
import numpy as np
d = np.load('${dir}/zimg.npy'); m = np.load('${dir}/zmask.npy') >= 0
a = (d - d.mean()) / (d.std() + 1e-8)
b = np.zeros_like(d); b[m] = (d[m] - d[m].mean()) / (d[m].std() + 1e-8)
np.save('${dir}/za.npy', a.astype(np.float32)); np.save('${dir}/zb.npy', b.astype(np.float32))`);
    const a = readNpy(join(dir, 'za.npy')).data;
    const b = readNpy(join(dir, 'zb.npy')).data;
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs((all[i] as number) - (a[i] as number)), Math.abs((masked[i] as number) - (b[i] as number)));
    expect(worst).toBeLessThan(1e-5);
  });

  it('CT: clips to the percentiles, then (x - mean) / sd', async () => {
    const v = Float32Array.from([-2000, -100, 0, 50, 3000]);
    await native.normalizeCT(v, -100, 200, 50, 25, 1);
    expect(Array.from(v)).toEqual([-6, -6, -2, 0, 6]);
    await expect(native.normalizeCT(v, -100, 200, 50, 0, 1)).rejects.toThrow(/sd > 0/);
  });
});

describe('class locations (GenericPreprocessor, RandomState(1234))', () => {
  it('draws the same voxels as numpy for each class', async () => {
    const shape = [20, 40, 30];
    const n = shape[0]! * shape[1]! * shape[2]!;
    const rnd = lcg(9);
    const seg = new Int8Array(n).map(() => (rnd() < 0.5 ? 1 : rnd() < 0.02 ? 2 : 0));
    const mine = classLocations(seg, shape, [1, 2, 3]);
    await writeNpy(join(dir, 'cseg.npy'), [seg], shape);
    const ref = JSON.parse(python(`
import numpy as np, json
s = np.load('${dir}/cseg.npy')
r = np.random.RandomState(1234); out = {}
for c in [1, 2, 3]:
    locs = np.argwhere(s == c)
    if len(locs) == 0:
        out[str(c)] = []; continue
    k = min(10000, len(locs)); k = max(k, int(np.ceil(0.01 * len(locs))))
    out[str(c)] = locs[r.choice(len(locs), k, replace=False)].tolist()
print(json.dumps(out))`)) as Record<string, number[][]>;
    expect(mine['1']?.length).toBe(10000);
    expect(mine).toEqual(ref);
  });
});

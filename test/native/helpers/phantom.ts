// Writes synthetic cases in the preprocessed layout (cases/<id>.data.npy float32 (1,Z,Y,X), <id>.seg.npy int8,
// <id>.json with classLocations): a noisy ellipsoid "organ" (class 1) holding a smaller "lesion" (class 2),
// random positions and sizes, smoothed noise, and a -1 rim outside a nonzero mask. Deterministic per seed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { prng } from '../../helpers/prng.js';
import { writeNpy } from './npy.js';

export interface PhantomCase {
  id: string;
  shape: [number, number, number];
  image: Float32Array;
  seg: Int8Array;
}

export function makePhantom(id: string, n: number, seed: number): PhantomCase {
  const rand = prng(seed);
  const u = (lo: number, hi: number) => lo + (hi - lo) * rand();
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const organR = [u(0.22, 0.32) * n, u(0.22, 0.32) * n, u(0.22, 0.32) * n];
  const organC = organR.map((r) => u(r + 2, n - r - 2));
  const lesionR = u(0.12, 0.16) * n;
  // Lesion centre inside the organ, away from its rim.
  const lesionC = organC.map((c, a) => c + u(-0.35, 0.35) * Math.max(0, (organR[a] ?? 0) - lesionR));
  const organI = u(0.8, 1.2);
  const lesionI = organI + u(0.9, 1.3);
  const size = n * n * n;
  const image = new Float32Array(size);
  const seg = new Int8Array(size);
  const noise = new Float32Array(size).map(() => gauss());
  let i = 0;
  for (let z = 0; z < n; z++)
    for (let y = 0; y < n; y++)
      for (let x = 0; x < n; x++, i++) {
        const p = [z, y, x];
        const dOrgan = Math.hypot(...p.map((v, a) => (v - (organC[a] ?? 0)) / (organR[a] ?? 1)));
        const dLesion = Math.hypot(...p.map((v, a) => (v - (lesionC[a] ?? 0)) / lesionR));
        const label = dLesion < 1 ? 2 : dOrgan < 1 ? 1 : 0;
        // Light smoothing of the noise along x keeps it textured but not white.
        const nz = 0.5 * (noise[i] ?? 0) + 0.25 * ((noise[i - 1] ?? 0) + (noise[i + 1] ?? 0));
        image[i] = (label === 2 ? lesionI : label === 1 ? organI : 0) + 0.35 * nz;
        const rim = z < 2 && y < 4;  // outside the "nonzero mask"
        seg[i] = rim ? -1 : label;
        if (rim) image[i] = 0;
      }
  return { id, shape: [n, n, n], image, seg };
}

/** Class -> up to `max` [z, y, x] positions, evenly strided (deterministic). */
export function classLocations(c: PhantomCase, max = 1000): Record<string, number[][]> {
  const out: Record<string, number[][]> = {};
  const [, Y, X] = c.shape;
  const all: Record<string, number[]> = {};
  c.seg.forEach((v, i) => {
    if (v > 0) (all[String(v)] ??= []).push(i);
  });
  for (const [cls, idx] of Object.entries(all)) {
    const stride = Math.max(1, Math.floor(idx.length / max));
    out[cls] = idx.filter((_, k) => k % stride === 0).map((i) => [Math.floor(i / (Y * X)), Math.floor(i / X) % Y, i % X]);
  }
  return out;
}

/** Writes cases into <dir>/cases/ (layout of the preprocess stage) and returns them. */
export function writePhantomDataset(dir: string, ids: string[], n: number, seed: number): PhantomCase[] {
  mkdirSync(join(dir, 'cases'), { recursive: true });
  return ids.map((id, k) => {
    const c = makePhantom(id, n, seed * 1000 + k);
    const base = join(dir, 'cases', id);
    writeNpy(`${base}.data.npy`, '<f4', [1, ...c.shape], c.image);
    writeNpy(`${base}.seg.npy`, '|i1', c.shape, c.seg);
    writeFileSync(
      `${base}.json`,
      JSON.stringify({ id, shape: c.shape, spacing: [1, 1, 1], classes: [1, 2], classLocations: classLocations(c) }),
    );
    return c;
  });
}

/** Dice of class `cls` between a uint8 prediction and an int8 reference (-1 counts as background). */
export function dice(pred: Uint8Array, ref: Int8Array, cls: number): number {
  let tp = 0, fp = 0, fn = 0;
  for (let i = 0; i < ref.length; i++) {
    const p = pred[i] === cls, r = ref[i] === cls;
    if (p && r) tp++;
    else if (p) fp++;
    else if (r) fn++;
  }
  return tp + fp + fn === 0 ? NaN : (2 * tp) / (2 * tp + fp + fn);
}

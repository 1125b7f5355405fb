/**
 * Foreground voxel locations for oversampling (recipe 5.7): per class, up to
 * max(min(10000, n), ceil(0.01 n)) voxels drawn without replacement with a RandomState(1234) made
 * fresh per case and shared by its classes in order, as nnU-Net does (same draws as numpy).
 */
import { LegacyRandomState } from '../../util/legacy-random-state.js';

export const CLASS_LOCATION_SEED = 1234;
export const MAX_SAMPLES_PER_CLASS = 10_000;
export const MIN_PERCENT_COVERAGE = 0.01;

/** Sorted label values present in `seg` (np.unique). */
export function presentLabels(seg: Int8Array): number[] {
  const seen = new Uint8Array(256);
  for (let i = 0; i < seg.length; i++) seen[(seg[i] as number) + 128] = 1;
  const out: number[] = [];
  for (let v = 0; v < 256; v++) if (seen[v]) out.push(v - 128);
  return out;
}

/** {"1": [[z, y, x], ...], ...}; an absent class maps to []. */
export function classLocations(seg: Int8Array, shape: readonly number[], classes: readonly number[],
  seed = CLASS_LOCATION_SEED): Record<string, number[][]> {
  const rnd = new LegacyRandomState(seed);
  const [, ny, nx] = shape as [number, number, number];
  const result: Record<string, number[][]> = {};
  for (const c of classes) {
    let count = 0;
    for (let i = 0; i < seg.length; i++) if (seg[i] === c) count++;
    if (count === 0) {
      result[String(c)] = [];
      continue;
    }
    const n = Math.max(Math.min(MAX_SAMPLES_PER_CLASS, count), Math.ceil(MIN_PERCENT_COVERAGE * count));
    // numpy's choice(count, n, replace=False): the first n of a permutation of the class's voxels, in C order.
    const picked = rnd.choiceWithoutReplacement(count, n);
    // Their flat indices from one scan in C order, without a list of every voxel of the class: the picks
    // sorted by occurrence number, matched as the scan counts the class's voxels.
    const order = Array.from(picked.keys()).sort((a, b) => (picked[a] as number) - (picked[b] as number));
    const flat = new Float64Array(n);
    for (let i = 0, seen = 0, next = 0; i < seg.length && next < n; i++) {
      if (seg[i] !== c) continue;
      while (next < n && picked[order[next] as number] === seen) flat[order[next++] as number] = i;
      seen++;
    }
    result[String(c)] = Array.from(flat, (f) => [Math.floor(f / (ny * nx)), Math.floor(f / nx) % ny, f % nx]);
  }
  return result;
}

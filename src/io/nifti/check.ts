/** Voxel checks the stages run on what they read. */
import { NiftiError } from './errors.js';
import type { NiftiVolume, VoxelArray } from './types.js';

/** Number of NaN or infinite voxels (0 for integer data). */
export function countNonFinite(data: VoxelArray): number {
  if (!(data instanceof Float32Array || data instanceof Float64Array)) return 0;
  let bad = 0;
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) bad++;
  return bad;
}

/** Throws a NiftiError naming `file` when the volume holds NaN or infinite voxels. */
export function assertFiniteVoxels(volume: Pick<NiftiVolume, 'data'>, file: string): void {
  const bad = countNonFinite(volume.data);
  if (bad > 0) throw new NiftiError(file, `${bad} of ${volume.data.length} voxels are NaN or infinite`);
}

/** Distinct voxel values, sorted (for label volumes; values are compared as numbers). */
export function uniqueValues(data: VoxelArray): number[] {
  if (data instanceof Uint8Array || data instanceof Int8Array) {
    const offset = data instanceof Int8Array ? 128 : 0;
    const seen = new Uint8Array(256);
    for (let i = 0; i < data.length; i++) seen[(data[i] as number) + offset] = 1;
    const out: number[] = [];
    for (let v = 0; v < 256; v++) if (seen[v]) out.push(v - offset);
    return out;
  }
  if (data instanceof Int16Array || data instanceof Uint16Array) {
    const offset = data instanceof Int16Array ? 32768 : 0;
    const seen = new Uint8Array(65536);
    for (let i = 0; i < data.length; i++) seen[(data[i] as number) + offset] = 1;
    const out: number[] = [];
    for (let v = 0; v < 65536; v++) if (seen[v]) out.push(v - offset);
    return out;
  }
  const set = new Set<number>();
  for (let i = 0; i < data.length; i++) set.add(Number(data[i]));
  return [...set].sort((a, b) => a - b);
}

/**
 * Loads one training case as nnU-Net does (recipe 3.1): every channel and the label, in C order
 * (z, y, x), with spacing [z, y, x] and the geometry needed to write results back. nnU-Net reads
 * channels as float32; here channels stored as int16 (CT), int8 or uint8 stay int16 (half the bytes),
 * since the kernels read int16 exactly as those float32 values would be; other types become float32.
 * A uint8 label whose values fit int8 is reinterpreted in place instead of copied.
 */
import { readNifti } from '../../io/nifti/index.js';
import type { NiftiGeometry, NiftiVolume, VoxelArray } from '../../io/nifti/index.js';
import { loadPreprocessNative, type VolumeVoxels } from '../../native/addon/index.js';
import type { CaseSource } from '../dataset/cases.js';

export interface SourceGeometry {
  /** NIfTI dims of the first channel in file order [x, y, z]. */
  readonly shape: number[];
  /** pixdim in file order [x, y, z]. */
  readonly spacing: number[];
  readonly affine: number[][];
  readonly header: NiftiGeometry;
  readonly datatype: string;
}

export interface LoadedCase {
  readonly id: string;
  /** [z, y, x] */
  readonly shape: [number, number, number];
  /** [z, y, x] in mm */
  readonly spacing: [number, number, number];
  /** Voxels: all Int16Array or all Float32Array. Callers may drop them (empty the array, replace seg). */
  channels: VolumeVoxels[];
  seg: Int8Array;
  readonly geometry: SourceGeometry;
}

function spatial(vol: NiftiVolume, file: string, id: string): { shape: [number, number, number]; spacing: [number, number, number] } {
  const dims = [...vol.shape];
  while (dims.length > 3 && dims[dims.length - 1] === 1) dims.pop();
  if (dims.length !== 3) {
    throw new Error(`case ${id}: ${file} has shape [${vol.shape.join(', ')}]; expected a 3D volume (convert_decathlon splits 4D channels)`);
  }
  const [x, y, z] = dims as [number, number, number];
  const [sx, sy, sz] = [Math.abs(vol.spacing[0] ?? 1), Math.abs(vol.spacing[1] ?? 1), Math.abs(vol.spacing[2] ?? 1)];
  if (![sx, sy, sz].every((s) => Number.isFinite(s) && s > 0)) {
    throw new Error(`case ${id}: ${file} has invalid voxel spacing [${vol.spacing.join(', ')}]`);
  }
  return { shape: [z, y, x], spacing: [sz, sy, sx] };
}

/** Int16 holds these exactly (and so does float32: the kernels read int16 as those float values). */
function fitsInt16(data: VoxelArray): data is Int16Array | Int8Array | Uint8Array {
  return data instanceof Int16Array || data instanceof Int8Array || data instanceof Uint8Array;
}

function toInt16(data: Int16Array | Int8Array | Uint8Array): Int16Array {
  return data instanceof Int16Array ? data : Int16Array.from(data);
}

function toFloat32(data: VoxelArray): Float32Array {
  if (data instanceof Float32Array) return data;
  const out = new Float32Array(data.length);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    for (let i = 0; i < data.length; i++) out[i] = Number(data[i]);
  } else {
    out.set(data);
  }
  return out;
}

function toLabels(data: VoxelArray, file: string, id: string): Int8Array {
  if (data instanceof Int8Array) return data;
  if (data instanceof Uint8Array) {
    let i = 0;
    while (i < data.length && (data[i] as number) <= 127) i++;
    // Every value fits: the same bytes read as int8 (no copy).
    if (i === data.length) return new Int8Array(data.buffer, data.byteOffset, data.length);
  }
  const out = new Int8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = Number(data[i]);
    if (!Number.isInteger(v) || v < -128 || v > 127) {
      throw new Error(`case ${id}: label ${file} holds value ${v} at voxel ${i}; expected integer labels in -128..127`);
    }
    out[i] = v;
  }
  return out;
}

export async function loadCase(source: CaseSource): Promise<LoadedCase> {
  const raw: VoxelArray[] = [];
  let first: { shape: [number, number, number]; spacing: [number, number, number] } | undefined;
  let geometry: SourceGeometry | undefined;
  for (const file of source.images) {
    const vol = await readNifti(file);
    const s = spatial(vol, file, source.id);
    if (!first) {
      first = s;
      geometry = {
        shape: vol.shape.slice(0, 3),
        spacing: vol.spacing.slice(0, 3),
        affine: vol.affine.map((r) => [...r]),
        header: vol.header,
        datatype: vol.datatype,
      };
    } else if (s.shape.join() !== first.shape.join()) {
      throw new Error(`case ${source.id}: channel ${file} has shape [${s.shape.join(', ')}] but channel 0 has [${first.shape.join(', ')}]`);
    }
    raw.push(vol.data);
  }
  if (!first || !geometry) throw new Error(`case ${source.id}: no image channels listed`);
  const native = loadPreprocessNative();
  // Each raw array is released once converted (when it is not kept itself), not left to a later collection.
  const asInt16 = raw.every(fitsInt16);
  const channels: VolumeVoxels[] = raw.map((r) => {
    const kept = asInt16 && fitsInt16(r) ? toInt16(r) : toFloat32(r);
    if ((kept as VoxelArray) !== r) native.releaseBuffer(r);
    return kept;
  });
  raw.length = 0;
  const labelVol = await readNifti(source.label);
  const ls = spatial(labelVol, source.label, source.id);
  if (ls.shape.join() !== first.shape.join()) {
    throw new Error(`case ${source.id}: label ${source.label} has shape [${ls.shape.join(', ')}] but the image has [${first.shape.join(', ')}]`);
  }
  const seg = toLabels(labelVol.data, source.label, source.id);
  if ((seg as VoxelArray) !== labelVol.data && seg.buffer !== labelVol.data.buffer) native.releaseBuffer(labelVol.data);
  return { id: source.id, shape: first.shape, spacing: first.spacing, channels, seg, geometry };
}

/** Reads a label NIfTI as a (z, y, x) label map with a check on its shape. */
import { readNifti } from '../../io/nifti/index.js';
import type { LabelMap } from './types.js';

export async function readLabelMap(file: string, expectShape?: readonly number[]): Promise<LabelMap> {
  const vol = await readNifti(file);
  const dims = vol.shape.slice(0, 3);
  if (expectShape !== undefined && dims.join() !== expectShape.join()) {
    throw new Error(`${file}: shape [${dims.join(', ')}] differs from the expected [${expectShape.join(', ')}]`);
  }
  const data = vol.data;
  if (data instanceof Uint8Array || data instanceof Int8Array) return data;
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = Number(data[i]);
    if (!Number.isInteger(v) || v < 0 || v > 255) throw new Error(`${file}: voxel ${i} holds ${v}; expected labels 0..255`);
    out[i] = v;
  }
  return out;
}

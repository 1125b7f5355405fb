/** Writes numpy .npy files (format 1.0, little-endian, C order) from typed arrays, without a joined copy. */
import { open } from 'node:fs/promises';

export type NpyArray = Float32Array | Int8Array | Uint8Array | Int16Array | Int32Array;

function descr(a: NpyArray): string {
  if (a instanceof Float32Array) return '<f4';
  if (a instanceof Int8Array) return '|i1';
  if (a instanceof Uint8Array) return '|u1';
  if (a instanceof Int16Array) return '<i2';
  return '<i4';
}

/** The .npy header for an array of `shape` with `dtype` descr, padded to a multiple of 64 bytes. */
export function npyHeader(dtype: string, shape: readonly number[]): Buffer {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const preamble = 10; // magic (6) + version (2) + header length (2)
  const total = Math.ceil((preamble + dict.length + 1) / 64) * 64;
  dict = dict.padEnd(total - preamble - 1, ' ') + '\n';
  const header = Buffer.alloc(total);
  header.write('\x93NUMPY', 0, 'latin1');
  header[6] = 1;
  header[7] = 0;
  header.writeUInt16LE(dict.length, 8);
  header.write(dict, preamble, 'latin1');
  return header;
}

/**
 * Writes `parts` (equal dtype, concatenated in order) as one array of `shape`, e.g. channels of a
 * (C, Z, Y, X) volume.
 */
export async function writeNpy(file: string, parts: readonly NpyArray[], shape: readonly number[]): Promise<void> {
  const first = parts[0];
  if (!first) throw new Error(`Internal error: no data for ${file}`);
  const count = parts.reduce((n, p) => n + p.length, 0);
  if (count !== shape.reduce((n, s) => n * s, 1)) {
    throw new Error(`Internal error: ${count} values do not fill shape [${shape.join(', ')}] for ${file}`);
  }
  const type = descr(first);
  if (parts.some((p) => descr(p) !== type)) throw new Error(`Internal error: mixed dtypes for ${file}`);
  const handle = await open(file, 'w');
  try {
    await handle.write(npyHeader(type, shape));
    const chunk = 64 << 20;
    for (const p of parts) {
      const bytes = Buffer.from(p.buffer, p.byteOffset, p.byteLength);
      for (let at = 0; at < bytes.length; at += chunk) await handle.write(bytes.subarray(at, Math.min(bytes.length, at + chunk)));
    }
  } finally {
    await handle.close();
  }
}

// Minimal .npy (format 1.0, C order) writer/reader for native tests.
import { readFileSync, writeFileSync } from 'node:fs';

export function npyBytes(descr: '<f4' | '|i1', shape: number[], data: Float32Array | Int8Array): Buffer {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  return Buffer.concat([pre, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

export function writeNpy(path: string, descr: '<f4' | '|i1', shape: number[], data: Float32Array | Int8Array): void {
  writeFileSync(path, npyBytes(descr, shape, data));
}

/** Reads a little-endian float32 or int8 .npy written by writeNpy / NumPy. */
export function readNpy(path: string): { shape: number[]; data: Float32Array | Int8Array } {
  const buf = readFileSync(path);
  const len = buf.readUInt16LE(8);
  const header = buf.subarray(10, 10 + len).toString('latin1');
  const shape = [...(/\(([^)]*)\)/.exec(header)?.[1] ?? '').matchAll(/\d+/g)].map((m) => Number(m[0]));
  const body = buf.subarray(10 + len);
  const copy = new Uint8Array(body.length);
  copy.set(body);
  return { shape, data: header.includes('<f4') ? new Float32Array(copy.buffer) : new Int8Array(copy.buffer) };
}

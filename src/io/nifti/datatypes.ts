/** NIfTI datatype codes and the typed arrays that hold them. */
import type { NiftiDatatype, VoxelArray } from './types.js';

interface DatatypeInfo {
  readonly name: NiftiDatatype;
  readonly code: number;
  readonly bytes: number;
  readonly create: (buffer: ArrayBuffer, length: number) => VoxelArray;
}

const TABLE: readonly DatatypeInfo[] = [
  { name: 'uint8', code: 2, bytes: 1, create: (b, n) => new Uint8Array(b, 0, n) },
  { name: 'int16', code: 4, bytes: 2, create: (b, n) => new Int16Array(b, 0, n) },
  { name: 'int32', code: 8, bytes: 4, create: (b, n) => new Int32Array(b, 0, n) },
  { name: 'float32', code: 16, bytes: 4, create: (b, n) => new Float32Array(b, 0, n) },
  { name: 'float64', code: 64, bytes: 8, create: (b, n) => new Float64Array(b, 0, n) },
  { name: 'int8', code: 256, bytes: 1, create: (b, n) => new Int8Array(b, 0, n) },
  { name: 'uint16', code: 512, bytes: 2, create: (b, n) => new Uint16Array(b, 0, n) },
  { name: 'uint32', code: 768, bytes: 4, create: (b, n) => new Uint32Array(b, 0, n) },
  { name: 'int64', code: 1024, bytes: 8, create: (b, n) => new BigInt64Array(b, 0, n) },
  { name: 'uint64', code: 1280, bytes: 8, create: (b, n) => new BigUint64Array(b, 0, n) },
];

/** Names of NIfTI codes we recognise but do not support, for clearer errors. */
const UNSUPPORTED: Readonly<Record<number, string>> = {
  0: 'unknown (DT_UNKNOWN)',
  1: 'binary (1 bit)',
  32: 'complex64',
  128: 'rgb24',
  1536: 'float128',
  1792: 'complex128',
  2048: 'complex256',
  2304: 'rgba32',
};

export function datatypeByCode(code: number): DatatypeInfo | undefined {
  return TABLE.find((d) => d.code === code);
}

export function datatypeByName(name: NiftiDatatype): DatatypeInfo {
  const info = TABLE.find((d) => d.name === name);
  if (!info) throw new Error(`Internal error: no NIfTI datatype named ${name}`);
  return info;
}

/** A human description of a datatype code we cannot read. */
export function describeUnsupportedCode(code: number): string {
  const name = UNSUPPORTED[code];
  return name ? `datatype code ${code} (${name}) is not supported` : `datatype code ${code} is not a NIfTI datatype`;
}

/** The datatype a typed array holds (for writing). */
export function datatypeOfArray(data: VoxelArray): NiftiDatatype {
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint32Array) return 'uint32';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof BigUint64Array) return 'uint64';
  if (data instanceof Float32Array) return 'float32';
  return 'float64';
}

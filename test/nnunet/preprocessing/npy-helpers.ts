/** Test helpers: read .npy files back and run Debian's numpy/scipy (/usr/bin/python3). */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface NpyContent {
  readonly descr: string;
  readonly shape: number[];
  readonly data: Float32Array | Int8Array;
}

export function readNpy(file: string): NpyContent {
  const buf = readFileSync(file);
  if (buf.toString('latin1', 0, 6) !== '\x93NUMPY') throw new Error(`${file}: not a .npy file`);
  const len = buf.readUInt16LE(8);
  const header = buf.toString('latin1', 10, 10 + len);
  const descr = /'descr': '([^']+)'/.exec(header)?.[1] ?? '';
  const shape = (/'shape': \(([^)]*)\)/.exec(header)?.[1] ?? '').split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const body = buf.subarray(10 + len);
  const copy = new Uint8Array(body.length);
  copy.set(body);
  const data = descr === '<f4' ? new Float32Array(copy.buffer) : new Int8Array(copy.buffer);
  return { descr, shape, data };
}

export function python(script: string): string {
  return execFileSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
}

// The memory-saving calls of the preprocessing kernels (native/src/binding/resample_binding.cc,
// preprocess_binding.cc) give what the plain calls give, bit for bit, and free memory when they say so:
// Int16Array volumes, resampleImage's `release`, cropToNonzeroInPlace, releaseBuffer.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { addonAvailable, loadPreprocessNative, type Shape3 } from '../../../src/native/addon/index.js';

const mustRun = addonAvailable() || Boolean(process.env['CI']);
const voxels = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const rssMiB = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024;

/** A CT-like int16 volume: air, a body with steep edges, texture. */
function ctLike([Z, Y, X]: Shape3): Int16Array {
  const v = new Int16Array(Z * Y * X);
  let s = 7;
  for (let z = 0, k = 0; z < Z; z++)
    for (let y = 0; y < Y; y++)
      for (let x = 0; x < X; x++, k++) {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        const body = ((y - Y / 2) / (0.4 * Y)) ** 2 + ((x - X / 2) / (0.45 * X)) ** 2 < 1;
        v[k] = (body ? 40 + Math.round(30 * Math.sin(0.3 * z + 0.2 * x)) : -1000) + (s >>> 28) - 8;
      }
  return v;
}

const same = (a: ArrayBufferView, b: ArrayBufferView) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe.runIf(mustRun)('memory-saving preprocessing calls', () => {
  const native = loadPreprocessNative();
  const shape: Shape3 = [19, 33, 37];
  // One step (x, y plane by plane), two steps (z, then y and x plane by plane), separate z.
  const targets: [Shape3, number][] = [[[19, 25, 30], -1], [[13, 25, 30], -1], [[40, 25, 30], 0]];

  it('an Int16Array resamples to the Float32Array result; release frees the input and changes nothing', async () => {
    for (const [target, axis] of targets) {
      const ct = ctLike(shape);
      const want = await native.resampleImage(Float32Array.from(ct), shape, target, axis, 2);
      expect(same(await native.resampleImage(ct, shape, target, axis, 2), want)).toBe(true);
      const consumed = ct.slice();
      const got = await native.resampleImage(consumed, shape, target, axis, 2, 3, true);
      expect(same(got, want)).toBe(true);
      expect(consumed.length).toBe(0); // detached
      expect(ct.length).toBe(voxels(shape)); // without release the input stays
    }
  });

  it('cropToNonzeroInPlace leaves cropToNonzero\'s voxels and label at the start of the arrays', async () => {
    const [Z, Y, X] = shape;
    const ct = ctLike(shape);
    const seg = new Int8Array(ct.length);
    for (let z = 0, k = 0; z < Z; z++)
      for (let y = 0; y < Y; y++)
        for (let x = 0; x < X; x++, k++) {
          if (z < 2 || y > Y - 4 || x < 3) ct[k] = 0; // a zero border: the box is smaller than the volume
          if (y === 5 && x > 10) ct[k] = 0; // a zero line reaching the box face: outside, label -1
          seg[k] = z === 9 && y > 10 && y < 20 ? 1 : 0;
        }
    const copied = await native.cropToNonzero([Float32Array.from(ct)], seg, shape, 2);
    const box = await native.cropToNonzeroInPlace([ct], seg, shape, 2);
    expect(box.bbox).toEqual(copied.bbox);
    expect(box.shape).toEqual([Z - 2, Y - 3, X - 3]);
    const n = voxels(box.shape);
    expect(same(Float32Array.from(ct.subarray(0, n)), copied.channels[0] as Float32Array)).toBe(true);
    expect(same(seg.subarray(0, n), copied.seg)).toBe(true);
    expect(copied.seg.includes(-1)).toBe(true);
    expect(() => native.cropToNonzeroInPlace([ct, Float32Array.from(ct)], seg, shape, 1)).toThrow(/channels of one kind/);
  });

  it('releaseBuffer frees at once, and refuses an array a pending call uses', async () => {
    const before = rssMiB();
    const big = new Float32Array(48 << 20).fill(1); // 192 MiB, touched
    expect(rssMiB() - before).toBeGreaterThan(150);
    expect(native.releaseBuffer(big)).toBe(true);
    expect(big.length).toBe(0);
    expect(rssMiB() - before).toBeLessThan(50);
    const ct = ctLike(shape);
    const pending = native.resampleImage(ct, shape, [13, 25, 30], -1, 1);
    expect(() => native.releaseBuffer(ct)).toThrow(/a pending native call uses/);
    await pending;
    expect(native.releaseBuffer(ct)).toBe(true);
  });
});

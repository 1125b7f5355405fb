/** Axis permutation of C-order (z, y, x) volumes (plans' transposeForward / transposeBackward). */

export function isIdentity(perm: readonly number[]): boolean {
  return perm.every((p, i) => p === i);
}

/** out = np.transpose(data, perm) for a 3D array of `shape`. */
export function transpose3d<T extends Float32Array | Int16Array | Int8Array>(data: T, shape: readonly number[], perm: readonly number[]): T {
  if (isIdentity(perm)) return data;
  const strides = [(shape[1] as number) * (shape[2] as number), shape[2] as number, 1];
  const outShape = perm.map((p) => shape[p] as number);
  const [s0, s1, s2] = perm.map((p) => strides[p] as number) as [number, number, number];
  const out = new (data.constructor as new (n: number) => T)(data.length);
  let k = 0;
  for (let a = 0; a < (outShape[0] as number); a++) {
    for (let b = 0; b < (outShape[1] as number); b++) {
      const base = a * s0 + b * s1;
      for (let c = 0; c < (outShape[2] as number); c++) out[k++] = data[base + c * s2] as number;
    }
  }
  return out;
}

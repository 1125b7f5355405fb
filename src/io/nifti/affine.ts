/**
 * Voxel-to-world matrices from NIfTI geometry fields, and back. The reading rule is nibabel's:
 * the sform when sform_code > 0, else the qform when qform_code > 0, else nibabel's "base affine"
 * (LAS orientation centred on the volume).
 */
import type { NiftiGeometry } from './types.js';

export type Matrix4 = number[][];

/** 4x4 affine described by a header's geometry (pixdim and dims are in file order, 1-based). */
export function affineOf(geometry: NiftiGeometry, spacing: readonly number[], shape: readonly number[]): Matrix4 {
  const zooms = [0, 1, 2].map((i) => spacing[i] ?? 1);
  if (geometry.sformCode > 0) {
    return [...geometry.srow.map((row) => [...row]), [0, 0, 0, 1]];
  }
  if (geometry.qformCode > 0) return qformAffine(geometry, zooms);
  const dims = [0, 1, 2].map((i) => shape[i] ?? 1);
  const origin = dims.map((d) => (d - 1) / 2);
  const [zx, zy, zz] = zooms as [number, number, number];
  const [ox, oy, oz] = origin as [number, number, number];
  return [
    [-zx, 0, 0, ox * zx],
    [0, zy, 0, -oy * zy],
    [0, 0, zz, -oz * zz],
    [0, 0, 0, 1],
  ];
}

function qformAffine(geometry: NiftiGeometry, zooms: number[]): Matrix4 {
  const [b, c, d, qx, qy, qz] = geometry.quatern as [number, number, number, number, number, number];
  const w2 = 1 - (b * b + c * c + d * d);
  const a = w2 > 0 ? Math.sqrt(w2) : 0;
  const r = rotationFromQuaternion(a, b, c, d);
  const scale = [zooms[0] ?? 1, zooms[1] ?? 1, (zooms[2] ?? 1) * (geometry.qfac < 0 ? -1 : 1)];
  const m: Matrix4 = [0, 1, 2].map((i) => [0, 1, 2].map((j) => (r[i]?.[j] ?? 0) * (scale[j] ?? 1)));
  (m[0] as number[]).push(qx);
  (m[1] as number[]).push(qy);
  (m[2] as number[]).push(qz);
  m.push([0, 0, 0, 1]);
  return m;
}

function rotationFromQuaternion(a: number, b: number, c: number, d: number): number[][] {
  const n = a * a + b * b + c * c + d * d;
  const s = n < 1e-12 ? 0 : 2 / n;
  const [xs, ys, zs] = [b * s, c * s, d * s];
  const [wx, wy, wz] = [a * xs, a * ys, a * zs];
  const [xx, xy, xz] = [b * xs, b * ys, b * zs];
  const [yy, yz, zz] = [c * ys, c * zs, d * zs];
  return [
    [1 - (yy + zz), xy - wz, xz + wy],
    [xy + wz, 1 - (xx + zz), yz - wx],
    [xz - wy, yz + wx, 1 - (xx + yy)],
  ];
}

/**
 * NIfTI geometry fields (qform quaternion + qfac, sform rows) that describe `affine`, for a writer
 * that starts from a matrix rather than a source header. The 3x3 part must be a rotation (possibly
 * improper) times positive voxel sizes, as in every scanner-made NIfTI.
 */
export function geometryFromAffine(
  affine: readonly (readonly number[])[],
  codes: { qformCode?: number; sformCode?: number; xyztUnits?: number; description?: string } = {},
): { geometry: NiftiGeometry; spacing: [number, number, number] } {
  const m = (i: number, j: number): number => affine[i]?.[j] ?? 0;
  const spacing = [0, 1, 2].map((j) => Math.hypot(m(0, j), m(1, j), m(2, j))) as [number, number, number];
  const r = [0, 1, 2].map((i) => [0, 1, 2].map((j) => (spacing[j] === 0 ? 0 : m(i, j) / spacing[j]!)));
  const det = determinant3(r);
  const qfac = det < 0 ? -1 : 1;
  if (qfac < 0) for (const row of r) row[2] = -(row[2] ?? 0);
  const [, b, c, d] = quaternionFromRotation(r);
  return {
    spacing,
    geometry: {
      version: 1,
      qformCode: codes.qformCode ?? 1,
      sformCode: codes.sformCode ?? 1,
      quatern: [b, c, d, m(0, 3), m(1, 3), m(2, 3)],
      qfac,
      srow: [0, 1, 2].map((i) => [m(i, 0), m(i, 1), m(i, 2), m(i, 3)]),
      xyztUnits: codes.xyztUnits ?? 10,
      description: codes.description ?? '',
    },
  };
}

function determinant3(r: number[][]): number {
  const g = (i: number, j: number): number => r[i]?.[j] ?? 0;
  return (
    g(0, 0) * (g(1, 1) * g(2, 2) - g(1, 2) * g(2, 1)) -
    g(0, 1) * (g(1, 0) * g(2, 2) - g(1, 2) * g(2, 0)) +
    g(0, 2) * (g(1, 0) * g(2, 1) - g(1, 1) * g(2, 0))
  );
}

/** Unit quaternion [a, b, c, d] (a >= 0) of a proper rotation matrix. */
function quaternionFromRotation(r: number[][]): [number, number, number, number] {
  const g = (i: number, j: number): number => r[i]?.[j] ?? 0;
  const trace = g(0, 0) + g(1, 1) + g(2, 2) + 1;
  let a: number, b: number, c: number, d: number;
  if (trace > 0.5) {
    a = 0.5 * Math.sqrt(trace);
    b = (0.25 * (g(2, 1) - g(1, 2))) / a;
    c = (0.25 * (g(0, 2) - g(2, 0))) / a;
    d = (0.25 * (g(1, 0) - g(0, 1))) / a;
  } else {
    const xd = 1 + g(0, 0) - (g(1, 1) + g(2, 2));
    const yd = 1 + g(1, 1) - (g(0, 0) + g(2, 2));
    const zd = 1 + g(2, 2) - (g(0, 0) + g(1, 1));
    if (xd > 1) {
      b = 0.5 * Math.sqrt(xd);
      c = (0.25 * (g(0, 1) + g(1, 0))) / b;
      d = (0.25 * (g(0, 2) + g(2, 0))) / b;
      a = (0.25 * (g(2, 1) - g(1, 2))) / b;
    } else if (yd > 1) {
      c = 0.5 * Math.sqrt(yd);
      b = (0.25 * (g(0, 1) + g(1, 0))) / c;
      d = (0.25 * (g(1, 2) + g(2, 1))) / c;
      a = (0.25 * (g(0, 2) - g(2, 0))) / c;
    } else {
      d = 0.5 * Math.sqrt(zd);
      b = (0.25 * (g(0, 2) + g(2, 0))) / d;
      c = (0.25 * (g(1, 2) + g(2, 1))) / d;
      a = (0.25 * (g(1, 0) - g(0, 1))) / d;
    }
    if (a < 0) [a, b, c, d] = [-a, -b, -c, -d];
  }
  return [a, b, c, d];
}

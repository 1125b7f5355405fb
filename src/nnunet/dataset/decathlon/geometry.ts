/**
 * ITK-style geometry (origin, spacing, direction, size) of a NIfTI volume, and the comparisons
 * nnU-Net's integrity check makes between an image's channels and its label (np.isclose).
 */
export interface VolumeGeometry {
  /** Spatial size in file order [x, y, z]. */
  readonly size: number[];
  readonly spacing: number[];
  readonly origin: number[];
  /** Direction cosines, columns per voxel axis, row-major 3x3. */
  readonly direction: number[];
}

export function geometryOf(shape: readonly number[], affine: readonly (readonly number[])[]): VolumeGeometry {
  const col = (j: number) => [0, 1, 2].map((i) => affine[i]?.[j] ?? 0);
  const spacing = [0, 1, 2].map((j) => Math.hypot(...col(j)));
  const direction: number[] = [];
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) direction.push((affine[i]?.[j] ?? 0) / (spacing[j] || 1));
  return {
    size: [0, 1, 2].map((i) => shape[i] ?? 1),
    spacing,
    origin: [0, 1, 2].map((i) => affine[i]?.[3] ?? 0),
    direction,
  };
}

/** np.isclose defaults (rtol 1e-5, atol 1e-8), with atol widened for float32 header round-off. */
function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-5 + 1e-5 * Math.abs(b);
}

const fmt = (v: readonly number[]) => `[${v.map((x) => Number(x.toFixed(5))).join(', ')}]`;

/** Differences between two geometries as readable phrases (empty when they agree). */
export function geometryDifferences(a: VolumeGeometry, b: VolumeGeometry, aName: string, bName: string): string[] {
  const out: string[] = [];
  const check = (field: keyof VolumeGeometry) => {
    const x = a[field];
    const y = b[field];
    if (x.length !== y.length || x.some((v, i) => !close(v, y[i] ?? Number.NaN))) {
      out.push(`${field} ${fmt(x)} (${aName}) vs ${fmt(y)} (${bName})`);
    }
  };
  check('size');
  check('spacing');
  check('origin');
  check('direction');
  return out;
}

/** nibabel-style axis codes (e.g. "LPS") from the direction cosines. */
export function axisCodes(affine: readonly (readonly number[])[]): string {
  const letters = [
    ['L', 'R'],
    ['P', 'A'],
    ['I', 'S'],
  ];
  let codes = '';
  for (let j = 0; j < 3; j++) {
    let best = 0;
    for (let i = 1; i < 3; i++) if (Math.abs(affine[i]?.[j] ?? 0) > Math.abs(affine[best]?.[j] ?? 0)) best = i;
    const positive = (affine[best]?.[j] ?? 0) > 0;
    codes += letters[best]![positive ? 1 : 0];
  }
  return codes;
}

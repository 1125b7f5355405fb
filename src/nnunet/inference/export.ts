/**
 * Exports softmax probabilities predicted at the training spacing back into a source image's grid
 * (recipe 10.2): transpose back, resample every class map to the cropped shape (order 1, order 0
 * along the separate-z axis when the spacings say so), argmax, paste into the original shape at
 * the crop box, and write a uint8 NIfTI with the source geometry.
 */
import { writeNifti } from '../../io/nifti/index.js';
import type { SourceGeometry } from '../preprocessing/load-case.js';
import { loadPreprocessNative } from '../../native/addon/index.js';
import { separateZ } from '../preprocessing/resample-plan.js';
import { transpose3d } from '../preprocessing/transpose.js';

/** The case properties an export needs (a subset of preprocess's CaseProperties). */
export interface ExportGeometry {
  readonly id: string;
  /** Spacing [z, y, x] of the predicted arrays (transposed order). */
  readonly spacing: readonly number[];
  readonly originalSpacing: readonly number[];
  readonly originalShape: readonly number[];
  readonly cropBbox: readonly (readonly number[])[];
  readonly shapeAfterCropping: readonly number[];
  readonly transposeBackward: readonly number[];
  readonly geometry: SourceGeometry;
}

const product = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/**
 * probabilities: (K, Z, Y, X) C order in the transposed, resampled grid. Returns the label map in
 * the original (z, y, x) shape.
 */
export async function probabilitiesToLabels(probabilities: Float32Array, shape: readonly number[], g: ExportGeometry,
  threads: number, anisotropyThreshold = 3): Promise<Uint8Array> {
  const [k, ...spatialT] = shape as [number, number, number, number];
  const n = product(spatialT);
  if (probabilities.length !== k * n) {
    throw new Error(`case ${g.id}: probabilities hold ${probabilities.length} values but the shape [${shape.join(', ')}] needs ${k * n}`);
  }
  const tb = g.transposeBackward;
  const spatial = tb.map((a) => spatialT[a] as number);
  const spacing = tb.map((a) => g.spacing[a] as number);
  const target = [...g.shapeAfterCropping] as [number, number, number];
  const same = target.every((v, i) => v === spatial[i]);
  const { nearestAxis } = separateZ(g.originalSpacing, spacing, anisotropyThreshold);
  const native = same ? undefined : loadPreprocessNative();
  const m = product(target);
  const best = new Float32Array(m).fill(-Infinity);
  const labels = new Uint8Array(m);
  for (let c = 0; c < k; c++) {
    let map = transpose3d(probabilities.subarray(c * n, (c + 1) * n), spatialT, tb);
    if (native !== undefined) {
      map = await native.resampleImage(map.slice(), spatial as [number, number, number], target, nearestAxis, threads, 1);
    }
    for (let i = 0; i < m; i++) {
      const v = map[i] as number;
      if (v > (best[i] as number)) {
        best[i] = v;
        labels[i] = c;
      }
    }
  }
  return uncrop(labels, target, g);
}

/** Pastes a cropped label map into zeros of the original shape at the crop box. */
export function uncrop(labels: Uint8Array, cropShape: readonly number[], g: ExportGeometry): Uint8Array {
  const [Z, Y, X] = g.originalShape as [number, number, number];
  const [[z0], [y0], [x0]] = g.cropBbox as [[number], [number], [number]];
  const [cz, cy, cx] = cropShape as [number, number, number];
  if (z0 + cz > Z || y0 + cy > Y || x0 + cx > X) {
    throw new Error(`case ${g.id}: crop box [${g.cropBbox.map((r) => r.join(':')).join(', ')}] does not fit the original shape [${g.originalShape.join(', ')}]`);
  }
  const out = new Uint8Array(Z * Y * X);
  for (let z = 0; z < cz; z++) {
    for (let y = 0; y < cy; y++) {
      const src = (z * cy + y) * cx;
      out.set(labels.subarray(src, src + cx), ((z + z0) * Y + (y + y0)) * X + x0);
    }
  }
  return out;
}

/** Writes a (z, y, x) label map as uint8 NIfTI with the source image's geometry. */
export async function writeLabelNifti(file: string, labels: Uint8Array, g: ExportGeometry): Promise<void> {
  await writeNifti(file, { shape: g.geometry.shape.slice(0, 3), spacing: g.geometry.spacing.slice(0, 3), data: labels, header: g.geometry.header });
}

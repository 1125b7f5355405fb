/**
 * A raw image through the same chain as training data (recipe 10.6): load the channels, crop to
 * the nonzero region, transpose, resample (order 3, separate-z rule), normalise with the plan's
 * fingerprint. Returns the (C, Z, Y, X) array and the geometry to export predictions with.
 */
import { readNifti, readNiftiHeader } from '../../io/nifti/index.js';
import type { Plans, StagePlan } from '../plans/types.js';
import type { SourceGeometry } from '../preprocessing/load-case.js';
import { loadPreprocessNative } from '../../native/addon/index.js';
import { resamplePlan } from '../preprocessing/resample-plan.js';
import { transpose3d } from '../preprocessing/transpose.js';
import type { ExportGeometry } from './export.js';

export interface PreprocessedImage {
  readonly data: Float32Array;
  readonly shape: [number, number, number, number];
  readonly geometry: ExportGeometry;
}

/** [z, y, x] of a NIfTI's file-order [x, y, z] (shape or spacing), as preprocessImage orders the source. */
function sourceOrder(v: readonly number[]): [number, number, number] {
  return [v[2] ?? 1, v[1] ?? 1, v[0] ?? 1];
}

/**
 * The spatial shape preprocessImage would give the image if nothing were cropped, from the first channel's header
 * alone: an upper bound of the true shape (cropping only shrinks), for counting tiles before the voxels are read.
 */
export async function preprocessedShapeBound(files: readonly string[], plans: Plans, stage: StagePlan): Promise<[number, number, number]> {
  const first = files[0];
  if (first === undefined) throw new Error('no image files');
  const header = await readNiftiHeader(first);
  const shape = sourceOrder(header.shape);
  const spacing = sourceOrder(header.spacing.map(Math.abs));
  const tf = plans.transposeForward;
  return resamplePlan(tf.map((a) => shape[a] as number), tf.map((a) => spacing[a] as number), stage.spacing, plans.anisotropyThreshold).newShape;
}

function toFloat32(data: ArrayLike<number | bigint>): Float32Array {
  if (data instanceof Float32Array) return data;
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = Number(data[i]);
  return out;
}

export async function preprocessImage(id: string, files: readonly string[], plans: Plans, stage: StagePlan,
  threads: number): Promise<PreprocessedImage> {
  if (files.length !== plans.numInputChannels) {
    throw new Error(`case ${id}: ${files.length} channel file(s) but the plan expects ${plans.numInputChannels} (${files.join(', ')})`);
  }
  const native = loadPreprocessNative();
  const channels: Float32Array[] = [];
  let shape: [number, number, number] | undefined;
  let spacing: [number, number, number] | undefined;
  let geometry: SourceGeometry | undefined;
  for (const file of files) {
    const vol = await readNifti(file);
    const dims = vol.shape.slice(0, 3);
    if (vol.shape.slice(3).some((d) => d !== 1)) throw new Error(`${file}: expected a 3D image but received shape [${vol.shape.join(', ')}]`);
    const s = sourceOrder(dims);
    if (shape === undefined) {
      shape = s;
      spacing = sourceOrder(vol.spacing.map(Math.abs));
      geometry = { shape: dims, spacing: vol.spacing.slice(0, 3), affine: vol.affine.map((r) => [...r]), header: vol.header, datatype: vol.datatype };
    } else if (s.join() !== shape.join()) {
      throw new Error(`case ${id}: ${file} has shape [${s.join(', ')}] but channel 0 has [${shape.join(', ')}]`);
    }
    channels.push(toFloat32(vol.data));
  }
  if (shape === undefined || spacing === undefined || geometry === undefined) throw new Error(`case ${id}: no image files`);
  const crop = await native.cropToNonzero(channels, null, shape, threads);
  const tf = plans.transposeForward;
  const shapeT = tf.map((a) => crop.shape[a] as number) as [number, number, number];
  const spacingT = tf.map((a) => spacing[a] as number);
  const rp = resamplePlan(shapeT, spacingT, stage.spacing, plans.anisotropyThreshold);
  const voxels = rp.newShape[0] * rp.newShape[1] * rp.newShape[2];
  const data = new Float32Array(channels.length * voxels);
  const mask = plans.useMaskForNorm.some(Boolean)
    ? await native.resampleLabels(transpose3d(crop.seg, crop.shape, tf), shapeT, rp.newShape, rp.nearestAxis, threads)
    : null;
  for (let c = 0; c < crop.channels.length; c++) {
    const ch = transpose3d(crop.channels[c] as Float32Array, crop.shape, tf);
    const resampled = await native.resampleImage(ch, shapeT, rp.newShape, rp.nearestAxis, threads, 3);
    const useMask = plans.useMaskForNorm[c] ?? false;
    if (plans.normalization[c] === 'CT') {
      const ip = plans.fingerprint.intensityProperties?.[c];
      if (!ip) throw new Error(`plans.json has no CT intensity properties for channel ${c}`);
      await native.normalizeCT(resampled, ip.percentile00_5, ip.percentile99_5, ip.mean, ip.sd, threads);
      if (useMask && mask) for (let i = 0; i < resampled.length; i++) if ((mask[i] as number) < 0) resampled[i] = 0;
    } else {
      await native.normalizeZScore(resampled, useMask ? mask : null, threads);
    }
    data.set(resampled, c * voxels);
  }
  return {
    data,
    shape: [channels.length, ...rp.newShape],
    geometry: {
      id,
      spacing: [...stage.spacing],
      originalSpacing: spacing,
      originalShape: shape,
      cropBbox: crop.bbox,
      shapeAfterCropping: crop.shape,
      transposeBackward: [...plans.transposeBackward],
      geometry,
    },
  };
}

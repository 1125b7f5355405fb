/**
 * One case through nnU-Net v1's GenericPreprocessor (recipe sections 3.2 and 5): load, crop to the
 * nonzero region (background outside it -> -1), transpose, resample to the stage spacing, normalise,
 * sample class locations, and write <id>.data.npy, <id>.seg.npy and <id>.json into a folder.
 */
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { CaseSource } from '../dataset/cases.js';
import type { NormalizationScheme, Plans, StagePlan } from '../plans/types.js';
import { writeJsonFile } from '../../util/json-file.js';
import { classLocations, presentLabels } from './class-locations.js';
import { loadCase, type SourceGeometry } from './load-case.js';
import { loadPreprocessNative } from '../../native/addon/index.js';
import { writeNpy } from '../../io/npy.js';
import { resamplePlan, type ResamplePlan } from './resample-plan.js';
import { transpose3d } from './transpose.js';

/** The per-case properties file `<id>.json` (read by train and validate). */
export interface CaseProperties {
  readonly id: string;
  readonly configuration: string;
  /** Data files next to this one. */
  readonly files: { readonly data: string; readonly seg: string };
  /** Spacing [z, y, x] of the written arrays (after transposeForward and resampling). */
  readonly spacing: number[];
  /** Spatial shape [Z, Y, X] of the written arrays; data is (channels, Z, Y, X). */
  readonly shape: number[];
  readonly channels: number;
  /** Spacing [z, y, x] of the source image (source axis order). */
  readonly originalSpacing: number[];
  /** Shape [z, y, x] of the source image. */
  readonly originalShape: number[];
  /** [[z0, z1], [y0, y1], [x0, x1]] (source axis order, upper bounds exclusive). */
  readonly cropBbox: number[][];
  /** Shape [z, y, x] after cropping (source axis order): what predictions are resampled back to. */
  readonly shapeAfterCropping: number[];
  /** Label values after cropping, including -1 when background lies outside the nonzero mask. */
  readonly classes: number[];
  /** Per foreground class, sampled voxel indices [z, y, x] in the written arrays. */
  readonly classLocations: Record<string, number[][]>;
  readonly transposeForward: number[];
  readonly transposeBackward: number[];
  /** How the case was resampled; nearestAxis is in the transposed axis order (-1: joint). */
  readonly resampling: { readonly nearestAxis: number; readonly reason: ResamplePlan['reason'] };
  readonly normalization: NormalizationScheme[];
  readonly useNonzeroMaskForNorm: boolean[];
  /** Source files. */
  readonly images: string[];
  readonly label: string;
  /** Geometry of the first source channel: write predictions back with it (shape/spacing in file order). */
  readonly geometry: SourceGeometry;
}

export interface CaseOptions {
  readonly threads: number;
}

export function stagePlanOf(plans: Plans, configuration: string): StagePlan {
  const stage = (plans.configurations as Record<string, StagePlan | undefined>)[configuration];
  if (!stage) {
    throw new Error(`plans.json has no configuration ${configuration} (available: ${Object.keys(plans.configurations).join(', ')})`);
  }
  return stage;
}

/** Preprocesses one case and writes its three files into `dir` (the .json last, via a rename). */
export async function preprocessCase(source: CaseSource, plans: Plans, configuration: string, dir: string,
  options: CaseOptions): Promise<CaseProperties> {
  const native = loadPreprocessNative();
  const stage = stagePlanOf(plans, configuration);
  const fail = (error: unknown): never => {
    throw new Error(`case ${source.id}: ${(error as Error).message}`, { cause: error });
  };
  const loaded = await loadCase(source);
  if (loaded.channels.length !== plans.numInputChannels) {
    fail(new Error(`expected ${plans.numInputChannels} channel(s) but received ${loaded.channels.length}`));
  }
  // Memory (see memory.ts): the voxels are cropped where they were read, each buffer is released as soon as the
  // next step has read it, and the resampler frees its source before allocating its result.
  const crop = await native.cropToNonzeroInPlace(loaded.channels, loaded.seg, loaded.shape, options.threads).catch(fail);
  const croppedVoxels = crop.shape[0] * crop.shape[1] * crop.shape[2];
  const cropped = loaded.channels.map((c) => c.subarray(0, croppedVoxels));
  const croppedSeg = loaded.seg.subarray(0, croppedVoxels);
  loaded.channels.length = 0;
  loaded.seg = new Int8Array(0);
  const classes = presentLabels(croppedSeg);
  const tf = plans.transposeForward;
  const shapeT = tf.map((a) => crop.shape[a] as number);
  const spacingT = tf.map((a) => loaded.spacing[a] as number);
  const rp = resamplePlan(shapeT, spacingT, stage.spacing, plans.anisotropyThreshold);
  const shape3 = shapeT as [number, number, number];
  /** `array` transposed; the untransposed one is released when a copy was made. */
  const transposed = <T extends Float32Array | Int16Array | Int8Array>(array: T): T => {
    const t = transpose3d(array, crop.shape, tf);
    if (t !== array) native.releaseBuffer(array);
    return t;
  };

  const data: Float32Array[] = [];
  for (let c = 0; c < cropped.length; c++) {
    const ch = transposed(cropped[c] as Float32Array | Int16Array);
    cropped[c] = new Float32Array(0);
    data.push(await native.resampleImage(ch, shape3, rp.newShape, rp.nearestAxis, options.threads, 3, true).catch(fail));
  }
  const segT = transposed(croppedSeg);
  const seg = await native.resampleLabels(segT, shape3, rp.newShape, rp.nearestAxis, options.threads).catch(fail);
  native.releaseBuffer(segT);

  for (let c = 0; c < data.length; c++) {
    const channel = data[c] as Float32Array;
    const useMask = plans.useMaskForNorm[c] ?? false;
    if (plans.normalization[c] === 'CT') {
      const ip = plans.fingerprint.intensityProperties?.[c];
      if (!ip) fail(new Error(`plans.json has no CT intensity properties for channel ${c}`));
      await native.normalizeCT(channel, ip!.percentile00_5, ip!.percentile99_5, ip!.mean, ip!.sd, options.threads).catch(fail);
      if (useMask) for (let i = 0; i < channel.length; i++) if ((seg[i] as number) < 0) channel[i] = 0;
    } else {
      await native.normalizeZScore(channel, useMask ? seg : null, options.threads).catch(fail);
    }
  }

  const locations = classLocations(seg, rp.newShape, plans.allClasses);
  const files = { data: `${source.id}.data.npy`, seg: `${source.id}.seg.npy` };
  await writeNpy(join(dir, files.data), data, [data.length, ...rp.newShape]);
  await writeNpy(join(dir, files.seg), [seg], rp.newShape);
  const properties: CaseProperties = {
    id: source.id,
    configuration,
    files,
    spacing: [...stage.spacing],
    shape: [...rp.newShape],
    channels: data.length,
    originalSpacing: [...loaded.spacing],
    originalShape: [...loaded.shape],
    cropBbox: crop.bbox.map((b) => [...b]),
    shapeAfterCropping: [...crop.shape],
    classes,
    classLocations: locations,
    transposeForward: [...plans.transposeForward],
    transposeBackward: [...plans.transposeBackward],
    resampling: { nearestAxis: rp.nearestAxis, reason: rp.reason },
    normalization: [...plans.normalization],
    useNonzeroMaskForNorm: [...plans.useMaskForNorm],
    images: [...source.images],
    label: source.label,
    geometry: loaded.geometry,
  };
  for (const array of [...data, seg]) native.releaseBuffer(array); // written: free now, not at a later collection
  const tmp = join(dir, `${source.id}.json.partial`);
  await writeJsonFile(tmp, properties, false);
  await rename(tmp, join(dir, `${source.id}.json`));
  return properties;
}

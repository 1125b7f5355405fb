/**
 * One case of an MSD task: find its files, read what the checks need, split a 4D multi-modal image
 * into per-channel files, and say what is wrong with it. Every problem names the case.
 *
 * With `verify` the checks are nnU-Net's verify_dataset_integrity ones: label and every image
 * channel agree on size, spacing, origin and direction; label values are declared labels; no NaN.
 * We also refuse an image whose voxels are all 0 (crop-to-nonzero would leave nothing).
 */
import { mkdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { countNonFinite, uniqueValues } from '../../../io/nifti/check.js';
import { NiftiError } from '../../../io/nifti/errors.js';
import { readNifti, readNiftiHeader } from '../../../io/nifti/read.js';
import type { NiftiVolume, VoxelArray } from '../../../io/nifti/types.js';
import { writeNifti } from '../../../io/nifti/write.js';
import { axisCodes, geometryDifferences, geometryOf, type VolumeGeometry } from './geometry.js';
import { isFile, resolveImageFiles } from './task-folder.js';

export interface CaseRecord {
  readonly id: string;
  /** One file per channel: absolute (input files, referenced not copied) or relative to the output folder (split files). */
  readonly images: string[];
  /** Absolute label path (training cases). */
  readonly label?: string;
  /** Spatial size [x, y, z] (file order). */
  readonly shape: number[];
  /** Voxel size [x, y, z] in mm (file order). */
  readonly spacing: number[];
  /** 4x4 voxel-to-world matrix of channel 0. */
  readonly affine: number[][];
  /** nibabel-style axis codes, e.g. "LPS". */
  readonly axisCodes: string;
  /** Label values present (verified training cases only). */
  readonly labelValues?: number[];
}

export interface InspectOptions {
  readonly taskDir: string;
  /** Where split channel files go (the stage's output folder). */
  readonly outDir: string;
  readonly verify: boolean;
  /** Number of modalities in dataset.json. */
  readonly channels: number;
  /** Declared label values. */
  readonly labels: ReadonlySet<number>;
  readonly labelNames: string;
  readonly compressionLevel?: number;
}

export interface CaseEntry {
  readonly id: string;
  /** Absolute path of the listed image. */
  readonly image: string;
  /** Absolute path of the listed label (training only). */
  readonly label?: string;
  /** `imagesTr` or `imagesTs`: the subfolder split files go to. */
  readonly split: string;
}

export interface CaseResult {
  readonly record?: CaseRecord;
  readonly problems: string[];
}

interface ChannelView {
  readonly geometry: VolumeGeometry;
  readonly affine: number[][];
  readonly spacing: number[];
}

export async function inspectCase(entry: CaseEntry, o: InspectOptions): Promise<CaseResult> {
  const problems: string[] = [];
  const say = (msg: string) => problems.push(`${entry.id}: ${msg}`);
  const rel = (p: string) => relative(o.taskDir, p);
  const niftiProblem = (what: string, error: unknown) => {
    if (error instanceof NiftiError) say(`${what} ${rel(error.file)}: ${error.problem}`);
    else throw error;
  };

  const resolved = await resolveImageFiles(entry.image, o.channels);
  if (resolved.kind === 'missing') say(`image ${rel(entry.image)} listed in dataset.json does not exist`);
  if (entry.label && !(await isFile(entry.label))) say(`label ${rel(entry.label)} listed in dataset.json does not exist`);
  if (resolved.kind === 'missing' || problems.length > 0) return { problems };

  // Label first: its geometry is the reference for every channel.
  let labelGeometry: VolumeGeometry | undefined;
  let labelValues: number[] | undefined;
  if (entry.label) {
    try {
      if (o.verify) {
        const label = await readNifti(entry.label);
        labelGeometry = geometryOf(label.shape, label.affine);
        if (spatialDims(label.shape) !== 3) say(`label ${rel(entry.label)} has shape [${label.shape.join(', ')}], expected 3D`);
        labelValues = checkLabelValues(label.data, rel(entry.label), o, say);
      } else {
        const h = await readNiftiHeader(entry.label);
        labelGeometry = geometryOf(h.shape, h.affine);
      }
    } catch (error) {
      niftiProblem('label', error);
    }
  }

  const views: ChannelView[] = [];
  const images: string[] = [];
  if (resolved.kind === 'single') {
    const file = resolved.file;
    try {
      const header = await readNiftiHeader(file);
      const nch = channelCount(header.shape);
      if (nch === undefined) {
        say(`image ${rel(file)} has shape [${header.shape.join(', ')}]: expected 3D or 4D (x, y, z, channel)`);
      } else if (nch !== o.channels) {
        say(`image ${rel(file)} has ${nch} channel(s) but dataset.json declares ${o.channels} modalit${o.channels === 1 ? 'y' : 'ies'}`);
      } else if (nch === 1 && !o.verify) {
        views.push(viewOf(header.shape, header.affine, header.spacing));
        images.push(file);
      } else {
        const volume = await readNifti(file);
        const voxels = header.shape[0]! * header.shape[1]! * header.shape[2]!;
        for (let c = 0; c < nch; c++) {
          const data = volume.data.subarray(c * voxels, (c + 1) * voxels) as VoxelArray;
          if (o.verify) checkImageVoxels(data, nch > 1 ? `${rel(file)} channel ${c}` : rel(file), say);
          views.push(viewOf(volume.shape, volume.affine, volume.spacing));
          if (nch === 1) {
            images.push(file);
          } else {
            images.push(await writeChannel(volume, data, c, entry, o));
          }
        }
      }
    } catch (error) {
      niftiProblem('image', error);
    }
  } else {
    for (const file of resolved.files) {
      try {
        const volume = o.verify ? await readNifti(file) : undefined;
        const header = volume ?? (await readNiftiHeader(file));
        if (spatialDims(header.shape) !== 3) {
          say(`image ${rel(file)} has shape [${header.shape.join(', ')}], expected 3D`);
          continue;
        }
        if (volume) checkImageVoxels(volume.data, rel(file), say);
        views.push(viewOf(header.shape, header.affine, header.spacing));
        images.push(file);
      } catch (error) {
        niftiProblem('image', error);
      }
    }
  }
  if (problems.length > 0) return { problems };

  // Geometry: every channel against the label (training) or against channel 0 (test).
  const reference = labelGeometry ?? views[0]?.geometry;
  const referenceName = labelGeometry ? 'label' : 'channel 0';
  if (o.verify || !labelGeometry) {
    views.forEach((v, c) => {
      if (!reference || (!labelGeometry && c === 0)) return;
      const diffs = geometryDifferences(v.geometry, reference, `channel ${c}`, referenceName);
      if (diffs.length > 0) say(`geometry mismatch between image channel ${c} and ${referenceName}: ${diffs.join('; ')}`);
    });
  }
  if (problems.length > 0) return { problems };

  const first = views[0]!;
  return {
    problems,
    record: {
      id: entry.id,
      images,
      ...(entry.label ? { label: entry.label } : {}),
      shape: first.geometry.size,
      spacing: first.spacing.slice(0, 3),
      affine: first.affine,
      axisCodes: axisCodes(first.affine),
      ...(labelValues ? { labelValues } : {}),
    },
  };
}

function viewOf(shape: readonly number[], affine: readonly (readonly number[])[], spacing: readonly number[]): ChannelView {
  return {
    geometry: geometryOf(shape, affine),
    affine: affine.map((r) => [...r]),
    spacing: [0, 1, 2].map((i) => spacing[i] ?? 1),
  };
}

/** 3 for [x,y,z] or [x,y,z,1] (trailing singleton dims allowed), else the dim count. */
function spatialDims(shape: readonly number[]): number {
  let n = shape.length;
  while (n > 3 && shape[n - 1] === 1) n--;
  return n;
}

function channelCount(shape: readonly number[]): number | undefined {
  const n = spatialDims(shape);
  if (n === 3) return 1;
  if (n === 4) return shape[3];
  return undefined;
}

function checkImageVoxels(data: VoxelArray, what: string, say: (m: string) => void): void {
  const bad = countNonFinite(data);
  if (bad > 0) say(`image ${what}: ${bad} of ${data.length} voxels are NaN or infinite`);
  let nonzero = false;
  for (let i = 0; i < data.length && !nonzero; i++) if (Number(data[i]) !== 0) nonzero = true;
  if (!nonzero) say(`image ${what} is empty: all ${data.length} voxels are 0`);
}

function checkLabelValues(data: VoxelArray, what: string, o: InspectOptions, say: (m: string) => void): number[] {
  const bad = countNonFinite(data);
  if (bad > 0) say(`label ${what}: ${bad} of ${data.length} voxels are NaN or infinite`);
  const values = uniqueValues(data).filter((v) => Number.isFinite(v));
  const fractional = values.filter((v) => !Number.isInteger(v));
  if (fractional.length > 0) say(`label ${what} holds non-integer values ${preview(fractional)}`);
  const undeclared = values.filter((v) => Number.isInteger(v) && !o.labels.has(v));
  if (undeclared.length > 0) {
    say(`label ${what} holds undeclared value(s) ${preview(undeclared)}; dataset.json declares ${o.labelNames}`);
  }
  return values;
}

function preview(values: number[]): string {
  return `[${values.slice(0, 8).join(', ')}${values.length > 8 ? `, ... (${values.length} values)` : ''}]`;
}

async function writeChannel(volume: NiftiVolume, data: VoxelArray, c: number, entry: CaseEntry, o: InspectOptions): Promise<string> {
  const relPath = join(entry.split, `${entry.id}_${String(c).padStart(4, '0')}.nii.gz`);
  await mkdir(join(o.outDir, entry.split), { recursive: true });
  await writeNifti(
    join(o.outDir, relPath),
    { shape: volume.shape.slice(0, 3), spacing: volume.spacing.slice(0, 3), data, header: volume.header },
    { compressionLevel: o.compressionLevel ?? 6 },
  );
  return relPath;
}

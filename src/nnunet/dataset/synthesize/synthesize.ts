/**
 * Writes an MSD-format task folder of synthetic abdominal CT phantoms (see phantom.ts):
 * `dataset.json`, `imagesTr/liver_N.nii.gz`, `labelsTr/liver_N.nii.gz`, `imagesTs/liver_M.nii.gz`.
 * Case N's content depends only on (seed, N, size/spacing ranges), so adding cases keeps earlier ones.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { geometryFromAffine } from '../../../io/nifti/affine.js';
import { writeNifti } from '../../../io/nifti/write.js';
import { makePhantom, type PhantomOptions } from './phantom.js';
import { Random } from './random.js';

export interface SynthesizeOptions {
  /** Labelled training cases (default 20). */
  readonly cases?: number;
  /** Unlabelled test cases in imagesTs (default 5). */
  readonly testCases?: number;
  readonly seed?: number;
  /** `name` in dataset.json (default "Liver-like"). */
  readonly name?: string;
  readonly inPlaneSize?: readonly [number, number];
  readonly slices?: readonly [number, number];
  /** Scan length in mm [min, max]: the slice count then follows from it and each case's slice spacing (phantom.ts). */
  readonly scanLength?: readonly [number, number];
  readonly inPlaneSpacing?: readonly [number, number];
  readonly sliceSpacing?: readonly [number, number];
  /** 1 (CT, default); more writes 4D multi-phase images, to exercise channel splitting. */
  readonly channels?: number;
  /** gzip level of the written files (default 6). */
  readonly compressionLevel?: number;
  /** Called after each written case. */
  readonly onCase?: (done: number, total: number, id: string) => void;
  readonly signal?: AbortSignal;
}

export const SYNTHESIZE_DEFAULTS = {
  cases: 20,
  testCases: 5,
  seed: 0,
  name: 'Liver-like',
  inPlaneSize: [64, 96] as const,
  slices: [24, 60] as const,
  inPlaneSpacing: [0.7, 1.0] as const,
  sliceSpacing: [1.0, 5.0] as const,
  channels: 1,
};

export interface SynthesizedCase {
  readonly id: string;
  readonly image: string;
  readonly label?: string;
  readonly shape: [number, number, number];
  readonly spacing: [number, number, number];
  readonly tumours: number;
}

export interface SynthesizeResult {
  readonly dir: string;
  readonly training: SynthesizedCase[];
  readonly test: SynthesizedCase[];
}

const MODALITY_NAMES = ['CT', 'CT-late', 'CT-delayed', 'CT-4'];

/** Writes the task into `dir` (created if missing). */
export async function synthesizeDecathlon(dir: string, options: SynthesizeOptions = {}): Promise<SynthesizeResult> {
  const o = { ...SYNTHESIZE_DEFAULTS, ...stripUndefined(options) };
  checkRange('inPlaneSize', o.inPlaneSize, 8, 2048);
  checkRange('slices', o.slices, 2, 2048);
  checkRange('inPlaneSpacing', o.inPlaneSpacing, 0.01, 100);
  checkRange('sliceSpacing', o.sliceSpacing, 0.01, 100);
  if (o.scanLength !== undefined) checkRange('scanLength', o.scanLength, 1, 10_000);
  checkCount('cases', o.cases, 0);
  checkCount('testCases', o.testCases, 0);
  checkCount('channels', o.channels, 1);
  if (o.channels > MODALITY_NAMES.length) {
    throw new Error(`Expected channels <= ${MODALITY_NAMES.length} but received ${o.channels}`);
  }
  const phantomOptions: PhantomOptions = {
    inPlaneSize: o.inPlaneSize,
    slices: o.slices,
    inPlaneSpacing: o.inPlaneSpacing,
    sliceSpacing: o.sliceSpacing,
    ...(o.scanLength !== undefined ? { scanLength: o.scanLength } : {}),
    channels: o.channels,
  };
  for (const sub of ['imagesTr', 'labelsTr', 'imagesTs']) await mkdir(join(dir, sub), { recursive: true });

  const total = o.cases + o.testCases;
  const training: SynthesizedCase[] = [];
  const test: SynthesizedCase[] = [];
  for (let n = 0; n < total; n++) {
    o.signal?.throwIfAborted();
    const id = `liver_${n}`;
    const isTest = n >= o.cases;
    const phantom = makePhantom(new Random(o.seed, n), phantomOptions);
    const { geometry } = geometryFromAffine(phantom.affine, {
      description: `pipe synthetic phantom seed=${o.seed} case=${n}`,
    });
    const image = join(isTest ? 'imagesTs' : 'imagesTr', `${id}.nii.gz`);
    const level = { compressionLevel: o.compressionLevel };
    const imageData = o.channels === 1 ? phantom.channels[0]! : concat(phantom.channels);
    const imageShape = o.channels === 1 ? phantom.shape : [...phantom.shape, o.channels];
    const imageSpacing = o.channels === 1 ? phantom.spacing : [...phantom.spacing, 1];
    await writeNifti(join(dir, image), { shape: imageShape, spacing: imageSpacing, data: imageData, header: geometry }, level);
    const record = { id, image, shape: phantom.shape, spacing: phantom.spacing, tumours: phantom.tumours };
    if (isTest) {
      test.push(record);
    } else {
      const label = join('labelsTr', `${id}.nii.gz`);
      await writeNifti(join(dir, label), { shape: phantom.shape, spacing: phantom.spacing, data: phantom.label, header: geometry }, level);
      training.push({ ...record, label });
    }
    o.onCase?.(n + 1, total, id);
  }

  const modality = Object.fromEntries(MODALITY_NAMES.slice(0, o.channels).map((m, i) => [String(i), m]));
  const datasetJson = {
    name: o.name,
    description: `Synthetic abdominal CT phantoms (liver with tumours) made by pipe synthesize_decathlon, seed ${o.seed}`,
    reference: 'pipe synthesize_decathlon (synthetic; no patient data)',
    licence: 'CC0 (synthetic data)',
    relase: '1.0',
    tensorImageSize: o.channels === 1 ? '3D' : '4D',
    modality,
    labels: { '0': 'background', '1': 'liver', '2': 'cancer' },
    numTraining: training.length,
    numTest: test.length,
    training: training.map((c) => ({ image: `./${c.image}`, label: `./${c.label}` })),
    test: test.map((c) => `./${c.image}`),
  };
  await writeFile(join(dir, 'dataset.json'), `${JSON.stringify(datasetJson, null, 4)}\n`);
  return { dir, training, test };
}

function concat(parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function checkRange(field: string, range: readonly number[], min: number, max: number): void {
  const [lo, hi] = range;
  if (range.length !== 2 || lo === undefined || hi === undefined || !(lo >= min && hi <= max && lo <= hi)) {
    throw new Error(`Expected [min, max] within [${min}, ${max}] for ${field} but received ${JSON.stringify(range)}`);
  }
}

function checkCount(field: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`Expected an integer >= ${min} for ${field} but received ${JSON.stringify(value)}`);
  }
}

/**
 * What convert_decathlon writes, and how later stages read it back.
 *
 *   <out>/dataset.json  the task's dataset.json, validated and normalised (MSD keys kept)
 *   <out>/cases.json    per case: id, image channel files, label, shape/spacing/affine (file order)
 *   <out>/imagesTr/, <out>/imagesTs/  only for 4D multi-modal input: `<id>_%04d.nii.gz` channel files
 *
 * Single-channel input is referenced, not copied: `images` holds the absolute input path. Split
 * files are stored relative to the output folder (the folder moves when the engine commits it);
 * loadConvertedDataset resolves every path to an absolute one.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { CaseRecord } from './inspect-case.js';

export interface ConvertedDatasetJson {
  readonly name: string;
  readonly description: string;
  readonly tensorImageSize: string;
  readonly modality: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly numTraining: number;
  readonly numTest: number;
  /** As listed in the source dataset.json (paths relative to the source task folder). */
  readonly training: readonly { image: string; label: string }[];
  readonly test: readonly string[];
  /** Absolute path of the source task folder. */
  readonly source: string;
}

export interface ConvertedCases {
  readonly version: 1;
  readonly source: string;
  readonly verified: boolean;
  /** Sorted by id (lexicographic, as nnU-Net sorts them). */
  readonly training: readonly CaseRecord[];
  readonly test: readonly CaseRecord[];
}

export interface ConvertedDataset {
  readonly dataset: ConvertedDatasetJson;
  /** Every path absolute; `label` set on every training case. */
  readonly training: readonly (CaseRecord & { label: string })[];
  readonly test: readonly CaseRecord[];
  readonly verified: boolean;
}

export const DATASET_FILE = 'dataset.json';
export const CASES_FILE = 'cases.json';

/** Reads a convert_decathlon output folder, with every image/label path made absolute. */
export async function loadConvertedDataset(dir: string): Promise<ConvertedDataset> {
  const dataset = JSON.parse(await readFile(join(dir, DATASET_FILE), 'utf8')) as ConvertedDatasetJson;
  const cases = JSON.parse(await readFile(join(dir, CASES_FILE), 'utf8')) as ConvertedCases;
  const abs = (p: string) => (isAbsolute(p) ? p : join(dir, p));
  const fix = (c: CaseRecord): CaseRecord => ({ ...c, images: c.images.map(abs), ...(c.label ? { label: abs(c.label) } : {}) });
  const training = cases.training.map(fix);
  for (const c of training) {
    if (!c.label) throw new Error(`${join(dir, CASES_FILE)}: training case ${c.id} has no label`);
  }
  return {
    dataset,
    training: training as (CaseRecord & { label: string })[],
    test: cases.test.map(fix),
    verified: cases.verified,
  };
}

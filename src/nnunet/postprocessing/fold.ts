/**
 * Per-fold postprocessing after validation (recipe 10.5, nnU-Net v1 `determine_postprocessing`):
 * decides on the fold's own validation cases whether keeping the largest connected component (all
 * foreground classes as one object, then per class) raises the mean Dice, writes the decision as
 * the reference's postprocessing.json, the postprocessed predictions (NIfTI, source geometry) and
 * their summary.json (foreground labels only, as validation_raw_postprocessed/summary.json).
 * The cross-validation decision (src/nnunet/postprocessing/crossval.ts) is the same over all folds' cases.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { evaluateFold, writeSummaryJson, type CaseToEvaluate, type SummaryJson } from '../evaluation/index.js';
import type { Shape3 } from './connected-components.js';
import { applyPostprocessing, determinePostprocessing, postprocessingJson, type PostprocessingDecision } from './decide.js';
import { writeFileAtomic } from '../../util/fs.js';
import { writeLabelNifti, type ExportGeometry } from '../inference/export.js';
import { readLabelMap } from '../evaluation/label-volume.js';

export const POSTPROCESSED_DIR = 'predictions_postprocessed';

export interface PostprocessCase {
  readonly id: string;
  /** The raw prediction NIfTI (already in the stage output). */
  readonly prediction: string;
  /** The ground-truth label NIfTI. */
  readonly reference: string;
  /** NIfTI dims [x, y, z] of both. */
  readonly dims: readonly number[];
  readonly geometry: ExportGeometry;
  /** The prediction path to write into summary.json (committed location). */
  readonly reportedPath: (file: string) => string;
}

/** Folder names: where the raw predictions are (as written into postprocessing.json) and where to write. */
export interface PostprocessFolders {
  readonly raw: string;
  readonly final: string;
}

export interface FoldPostprocessing {
  readonly decision: PostprocessingDecision;
  readonly summary: SummaryJson;
}

/** C-order (z, y, x) shape of a NIfTI with dims [x, y, z]. */
const zyx = (dims: readonly number[]): Shape3 => [dims[2] ?? 1, dims[1] ?? 1, dims[0] ?? 1];

export async function postprocessFold(
  out: string,
  cases: readonly PostprocessCase[],
  foreground: readonly number[],
  summaryName: string,
  task: string,
  folders: PostprocessFolders = { raw: 'predictions', final: POSTPROCESSED_DIR },
): Promise<FoldPostprocessing> {
  const decision = await determinePostprocessing(cases.map((c) => ({
    id: c.id,
    load: async () => ({
      prediction: await readLabelMap(c.prediction, c.dims),
      reference: await readLabelMap(c.reference, c.dims),
      shape: zyx(c.dims),
    }),
  })), foreground);
  writeFileAtomic(join(out, 'postprocessing.json'), postprocessingJson(decision, {
    validationRaw: folders.raw,
    validationFinal: folders.final,
  }));

  const dir = join(out, folders.final);
  await mkdir(dir, { recursive: true });
  const evaluated: CaseToEvaluate[] = [];
  for (const c of cases) {
    const file = join(dir, `${c.id}.nii.gz`);
    const raw = await readLabelMap(c.prediction, c.dims);
    const processed = applyPostprocessing(Uint8Array.from(raw), zyx(c.dims), decision);
    await writeLabelNifti(file, processed, c.geometry);
    evaluated.push({
      id: c.id,
      test: c.reportedPath(file),
      reference: c.reference,
      load: async () => ({ test: processed, reference: await readLabelMap(c.reference, c.dims) }),
    });
  }
  const summary = await evaluateFold({ name: summaryName, task }, evaluated, foreground);
  await writeSummaryJson(join(dir, 'summary.json'), summary);
  return { decision, summary };
}

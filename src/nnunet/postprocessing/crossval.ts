/**
 * Cross-validation postprocessing (recipe 10.5, last point; nnU-Net v1 `nnUNet_determine_postprocessing`):
 * the largest-component decision taken once over the validation cases of every fold together, which is
 * the one nnU-Net applies to the final model's predictions (the per-fold decisions are not used for it).
 *
 * Reads each validate output (fold.json: its cases; predictions/<id>.nii.gz: the raw predictions) and the
 * preprocess output the folds share (case properties: ground truth and geometry). Writes into `out`:
 * cv_niftis_raw/summary.json (the folds' summary.json merged over all cases), postprocessing.json (the decision,
 * the reference's keys), cv_niftis_postprocessed/<id>.nii.gz + summary.json.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { mergeSummaries, readSummaryJson, writeSummaryJson, type SummaryJson } from '../evaluation/index.js';
import type { PostprocessingDecision } from './decide.js';
import { readCaseProperties } from '../preprocessing/case-properties.js';
import { postprocessFold, type PostprocessCase } from './fold.js';

export const CV_RAW_DIR = 'cv_niftis_raw';
export const CV_POSTPROCESSED_DIR = 'cv_niftis_postprocessed';
export const CV_SUMMARY_NAME = 'pipe UNetPlusPlus cross-validation';

/** A validate instance's committed output, as the engine hands it over. */
export interface FoldValidation {
  readonly stage: string;
  readonly out: string;
}

interface FoldInfo {
  readonly fold: number;
  readonly task: string;
  readonly numClasses: number;
  readonly cases: readonly string[];
}

export interface CrossValidationResult {
  readonly folds: readonly number[];
  readonly cases: number;
  readonly task: string;
  readonly decision: PostprocessingDecision;
  readonly raw: SummaryJson;
  readonly postprocessed: SummaryJson;
}

async function readFoldInfo(v: FoldValidation): Promise<FoldInfo> {
  const file = join(v.out, 'fold.json');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as FoldInfo;
  } catch (cause) {
    throw new Error(`${v.stage}: cannot read ${file} (${(cause as Error).message}); was it run by a validate stage?`, { cause });
  }
}

export async function postprocessCrossValidation(
  out: string,
  /** Where `out` will live once committed: the paths recorded in summaries point there. */
  committedOut: string,
  validations: readonly FoldValidation[],
  preprocessDir: string,
): Promise<CrossValidationResult> {
  const infos = await Promise.all(validations.map(readFoldInfo));
  const seenFold = new Map<number, string>();
  const seenCase = new Map<string, number>();
  infos.forEach((info, i) => {
    const stage = validations[i]!.stage;
    const before = seenFold.get(info.fold);
    if (before !== undefined) throw new Error(`${stage} and ${before} both validate fold ${info.fold}: expected one validate instance per fold`);
    seenFold.set(info.fold, stage);
    for (const id of info.cases) {
      const other = seenCase.get(id);
      if (other !== undefined) throw new Error(`case ${id} is validated in fold ${other} and fold ${info.fold}: the folds' validation cases must not overlap`);
      seenCase.set(id, info.fold);
    }
  });
  const numClasses = infos[0]?.numClasses ?? 0;
  const odd = infos.find((f) => f.numClasses !== numClasses);
  if (odd) throw new Error(`fold ${odd.fold} predicts ${odd.numClasses} classes but fold ${infos[0]?.fold} predicts ${numClasses}`);
  const task = infos[0]?.task ?? 'task';

  const cases: PostprocessCase[] = [];
  for (const [i, info] of infos.entries()) {
    const v = validations[i]!;
    for (const id of info.cases) {
      const prediction = join(v.out, 'predictions', `${id}.nii.gz`);
      if (!existsSync(prediction)) throw new Error(`${v.stage}: the raw prediction ${prediction} is missing`);
      const props = await readCaseProperties(preprocessDir, id);
      const dims = [...props.geometry.shape.slice(0, 3)];
      cases.push({ id, prediction, reference: props.label, dims, geometry: props, reportedPath: (file) => join(committedOut, relative(out, file)) });
    }
  }
  if (cases.length === 0) throw new Error('no validation cases in the validate instances');
  cases.sort((a, b) => a.id.localeCompare(b.id));

  const classes = Array.from({ length: numClasses }, (_, k) => k);
  // the folds' own summaries already hold every raw case's metrics: merged, not evaluated again
  const rawSummary = mergeSummaries({ name: CV_SUMMARY_NAME, task }, await Promise.all(validations.map((v) => readSummaryJson(join(v.out, 'summary.json')))));
  await mkdir(join(out, CV_RAW_DIR), { recursive: true });
  await writeSummaryJson(join(out, CV_RAW_DIR, 'summary.json'), rawSummary);
  const pp = await postprocessFold(out, cases, classes.slice(1), CV_SUMMARY_NAME, task, { raw: CV_RAW_DIR, final: CV_POSTPROCESSED_DIR });
  return {
    folds: infos.map((f) => f.fold).sort((a, b) => a - b),
    cases: cases.length,
    task,
    decision: pp.decision,
    raw: rawSummary,
    postprocessed: pp.summary,
  };
}

/**
 * Gathers one report's input from the committed outputs of its upstreams: each validation's fold.json and
 * summary.json (and its postprocessed summary), each training's train.json and history.json, and the
 * cross-validation postprocessing decision with its summary. The report stage calls it once per variant.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readSummaryJson } from '../evaluation/index.js';
import { readPostprocessingDecision } from '../postprocessing/apply-file.js';
import { CV_POSTPROCESSED_DIR } from '../postprocessing/crossval.js';
import { checkTrainRecord, type TrainRecord } from '../training/train-record.js';
import { readTrainingHistory } from './read-inputs.js';
import type { FoldInput, ReportInput } from './types.js';

/** The committed output folders one report reads. */
export interface ReportUpstreams {
  readonly validations: readonly { readonly out: string }[];
  readonly trainings: readonly { readonly out: string }[];
  readonly postprocessing?: { readonly out: string };
}

/** What the pipeline says about the report (its `with:`). */
export interface ReportMeta {
  readonly pipeline: string;
  readonly reference?: Readonly<Record<string, number>>;
  readonly referenceSource?: string;
}

async function readJson<T>(file: string): Promise<T> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (cause) {
    throw new Error(`${file}: cannot read (${(cause as Error).message})`, { cause });
  }
}

export async function gatherReportInput(up: ReportUpstreams, meta: ReportMeta): Promise<ReportInput> {
  const histories = new Map<number, string>();
  const trainRecords = new Map<number, TrainRecord>();
  for (const t of up.trainings) {
    const file = join(t.out, 'train.json');
    const info = checkTrainRecord(await readJson<unknown>(file), file);
    trainRecords.set(info.fold, info);
    if (existsSync(join(t.out, 'history.json'))) histories.set(info.fold, join(t.out, 'history.json'));
  }
  let task = '';
  let labels: Record<string, string> = {};
  const folds: FoldInput[] = [];
  for (const v of up.validations) {
    const info = await readJson<{ fold: number; task: string; labels: Record<string, string> }>(join(v.out, 'fold.json'));
    task ||= info.task;
    labels = { ...info.labels, ...labels };
    const summary = await readSummaryJson(join(v.out, 'summary.json'));
    const historyPath = histories.get(info.fold);
    const ppPath = join(v.out, 'predictions_postprocessed', 'summary.json');
    const trained = trainRecords.get(info.fold);
    folds.push({
      fold: info.fold,
      summary,
      ...(trained?.departures !== undefined ? { departures: trained.departures } : {}),
      ...(trained?.attempts !== undefined ? { attempts: trained.attempts } : {}),
      ...(historyPath ? { history: await readTrainingHistory(historyPath) } : {}),
      ...(existsSync(ppPath) ? { postprocessed: await readSummaryJson(ppPath) } : {}),
    });
  }
  folds.sort((a, b) => a.fold - b.fold);
  const cv = up.postprocessing;
  const crossValidation = cv === undefined ? undefined : {
    forWhichClasses: await readPostprocessingDecision(join(cv.out, 'postprocessing.json')),
    postprocessed: await readSummaryJson(join(cv.out, CV_POSTPROCESSED_DIR, 'summary.json')),
  };
  return {
    pipeline: meta.pipeline,
    task,
    labels,
    folds,
    ...(meta.reference !== undefined && Object.keys(meta.reference).length > 0 ? { reference: meta.reference } : {}),
    ...(meta.referenceSource ? { referenceSource: meta.referenceSource } : {}),
    ...(crossValidation ? { crossValidation } : {}),
  };
}

/**
 * Checks a report input (or a training history read from disk) field by field; errors name the
 * field, e.g. `folds[2].history.epochs[5].trainLoss`. The summaries are checked by
 * src/evaluation's `checkSummary`.
 */
import { checkSummary, isPostprocessingTarget, labelKeys } from '../evaluation/index.js';
import type { CrossValidationInput, EpochRecord, ReportInput, TrainingHistory } from './types.js';

const show = (v: unknown): string =>
  `${Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v === 'object' ? 'object' : String(v)} (${Array.isArray(v) ? 'array' : typeof v})`;

function fail(what: string, field: string, v: unknown): never {
  throw new Error(`Expected ${what} for ${field} but received ${show(v)}`);
}

function obj(v: unknown, field: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail('an object', field, v);
  return v as Record<string, unknown>;
}

/** A number; NaN is allowed (losses can diverge, Dice can be undefined). null reads as NaN. */
function num(v: unknown, field: string): number {
  if (v === null) return NaN;
  if (typeof v !== 'number') fail('a number', field, v);
  return v;
}

function str(v: unknown, field: string): string {
  if (typeof v !== 'string') fail('a string', field, v);
  return v;
}

function checkEpoch(v: unknown, field: string): EpochRecord {
  const e = obj(v, field);
  const epoch = num(e['epoch'], `${field}.epoch`);
  if (!Number.isInteger(epoch) || epoch < 0) fail('a non-negative integer', `${field}.epoch`, e['epoch']);
  const perClass = e['pseudoDicePerClass'];
  if (perClass !== undefined && !Array.isArray(perClass)) fail('an array', `${field}.pseudoDicePerClass`, perClass);
  return {
    epoch,
    trainLoss: num(e['trainLoss'], `${field}.trainLoss`),
    valLoss: num(e['valLoss'], `${field}.valLoss`),
    pseudoDice: num(e['pseudoDice'], `${field}.pseudoDice`),
    ...(perClass === undefined
      ? {}
      : { pseudoDicePerClass: (perClass as unknown[]).map((d, i) => num(d, `${field}.pseudoDicePerClass[${i}]`)) }),
    lr: num(e['lr'], `${field}.lr`),
    seconds: num(e['seconds'], `${field}.seconds`),
  };
}

/** Checks a training history (e.g. the train stage's history.json); `field` prefixes error paths. */
export function checkTrainingHistory(v: unknown, field = 'history'): TrainingHistory {
  const h = obj(v, field);
  const epochs = h['epochs'];
  if (!Array.isArray(epochs)) fail('an array', `${field}.epochs`, epochs);
  return {
    epochs: (epochs as unknown[]).map((e, i) => checkEpoch(e, `${field}.epochs[${i}]`)),
    samplesPerSecond: num(h['samplesPerSecond'], `${field}.samplesPerSecond`),
    wallSeconds: num(h['wallSeconds'], `${field}.wallSeconds`),
    worldSize: num(h['worldSize'], `${field}.worldSize`),
    device: str(h['device'], `${field}.device`),
  };
}

function checkCrossValidation(v: unknown): CrossValidationInput {
  const cv = obj(v, 'crossValidation');
  const which = cv['forWhichClasses'];
  if (!Array.isArray(which)) fail('an array', 'crossValidation.forWhichClasses', which);
  const forWhichClasses = (which as unknown[]).map((e, i) => {
    if (isPostprocessingTarget(e)) return e;
    return fail('a label or a list of labels', `crossValidation.forWhichClasses[${i}]`, e);
  });
  return { forWhichClasses, postprocessed: checkSummary(cv['postprocessed'], 'crossValidation.postprocessed') };
}

/** Checks the whole report input; returns it typed (histories normalised: null -> NaN). */
export function checkReportInput(v: unknown): ReportInput {
  const input = obj(v, 'the report input');
  const pipeline = str(input['pipeline'], 'pipeline');
  const task = str(input['task'], 'task');
  const labels = obj(input['labels'], 'labels');
  for (const [id, name] of Object.entries(labels)) {
    if (!/^\d+$/.test(id)) fail('a label id (digits)', `labels key "${id}"`, id);
    str(name, `labels["${id}"]`);
  }
  if (Object.keys(labels).filter((id) => id !== '0').length === 0) fail('at least one foreground label', 'labels', labels);
  const folds = input['folds'];
  if (!Array.isArray(folds) || folds.length === 0) fail('a non-empty array', 'folds', folds);
  const seen = new Set<number>();
  const checkedFolds = (folds as unknown[]).map((f, i) => {
    const fo = obj(f, `folds[${i}]`);
    const fold = num(fo['fold'], `folds[${i}].fold`);
    if (!Number.isInteger(fold) || fold < 0) fail('a non-negative integer', `folds[${i}].fold`, fo['fold']);
    if (seen.has(fold)) fail('unique fold numbers', `folds[${i}].fold`, fold);
    seen.add(fold);
    const summary = checkSummary(fo['summary'], `folds[${i}].summary`);
    const present = new Set(labelKeys(summary.results.mean));
    for (const id of Object.keys(labels)) {
      if (!present.has(id)) {
        throw new Error(
          `Expected label ${id} (${String(labels[id])}) in folds[${i}].summary.results.mean (fold ${fold}) but received labels [${[...present].join(', ')}]`,
        );
      }
    }
    const history = fo['history'] === undefined ? undefined : checkTrainingHistory(fo['history'], `folds[${i}].history`);
    const postprocessed = fo['postprocessed'] === undefined ? undefined : checkSummary(fo['postprocessed'], `folds[${i}].postprocessed`);
    return {
      fold,
      summary,
      ...(history === undefined ? {} : { history }),
      ...(postprocessed === undefined ? {} : { postprocessed }),
    };
  });
  const reference = input['reference'];
  const checkedReference: Record<string, number> = {};
  if (reference !== undefined) {
    for (const [id, value] of Object.entries(obj(reference, 'reference'))) {
      const n = num(value, `reference["${id}"]`);
      if (!(n >= 0 && n <= 100)) fail('a Dice percentage in 0..100', `reference["${id}"]`, value);
      checkedReference[id] = n;
    }
  }
  const referenceSource = input['referenceSource'];
  const generatedAt = input['generatedAt'];
  const crossValidation = input['crossValidation'] === undefined ? undefined : checkCrossValidation(input['crossValidation']);
  return {
    pipeline,
    task,
    labels: labels as Record<string, string>,
    folds: checkedFolds,
    ...(reference === undefined ? {} : { reference: checkedReference }),
    ...(referenceSource === undefined ? {} : { referenceSource: str(referenceSource, 'referenceSource') }),
    ...(generatedAt === undefined ? {} : { generatedAt: str(generatedAt, 'generatedAt') }),
    ...(crossValidation === undefined ? {} : { crossValidation }),
  };
}

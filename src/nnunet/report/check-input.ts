/**
 * Checks a report input (or a training history read from disk) field by field; errors name the
 * field, e.g. `folds[2].history.epochs[5].trainLoss`. The summaries are checked by
 * src/nnunet/evaluation's `checkSummary`.
 */
import { checkSummary, labelKeys } from '../evaluation/index.js';
import { isPostprocessingTarget } from '../postprocessing/index.js';
import { checkTrainingHistory } from '../training/history-format.js';
import { checkTrainRecord } from '../training/train-record.js';
import { fail, num, obj, str } from '../../util/field-check.js';
import type { CrossValidationInput, ReportInput } from './types.js';

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
    const { departures, attempts } = checkTrainRecord({ fold, departures: fo['departures'], attempts: fo['attempts'] }, `folds[${i}]`);
    return {
      fold,
      summary,
      ...(history === undefined ? {} : { history }),
      ...(postprocessed === undefined ? {} : { postprocessed }),
      ...(departures === undefined ? {} : { departures }),
      ...(attempts === undefined ? {} : { attempts }),
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

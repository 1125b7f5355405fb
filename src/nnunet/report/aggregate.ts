/**
 * Turns the gathered folds into report.json figures: per-fold mean Dice per label (the summaries'
 * `results.mean`), mean and sample std across folds, the pooled nan-mean over all cases, the delta
 * to the reference, per-case Dice, and per-fold training time and throughput. No I/O.
 */
import { caseIdFromPath, labelKeys, nanMean } from '../evaluation/index.js';
import type { LabelMetrics, SummaryJson } from '../evaluation/index.js';
import type { CaseDice, FoldInput, FoldReport, FoldTraining, LabelReport, Report, ReportDeparture, ReportInput, TrainingHistory } from './types.js';

/** NaN/Infinity -> null (report.json is standard JSON). */
export const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

const percent = (x: number): number | null => finiteOrNull(x * 100);

export { caseIdFromPath };

function perCase(summary: SummaryJson, labels: readonly string[]): CaseDice[] {
  return summary.results.all.map((c) => ({
    id: caseIdFromPath(c.test),
    dicePercent: Object.fromEntries(labels.map((l) => [l, percent((c[l] as LabelMetrics | undefined)?.Dice ?? NaN)])),
  }));
}

function training(history: TrainingHistory): FoldTraining {
  const last = history.epochs[history.epochs.length - 1];
  return {
    epochs: history.epochs.length,
    wallSeconds: history.wallSeconds,
    samplesPerSecond: history.samplesPerSecond,
    worldSize: history.worldSize,
    device: history.device,
    finalTrainLoss: last === undefined ? null : finiteOrNull(last.trainLoss),
    finalValLoss: last === undefined ? null : finiteOrNull(last.valLoss),
    finalPseudoDicePercent: last === undefined ? null : percent(last.pseudoDice),
  };
}

function foldReport(f: FoldInput, labels: readonly string[]): FoldReport {
  return {
    fold: f.fold,
    summaryId: f.summary.id,
    cases: f.summary.results.all.length,
    dicePercent: Object.fromEntries(labels.map((l) => [l, percent(f.summary.results.mean[l]?.Dice ?? NaN)])),
    postprocessedDicePercent: f.postprocessed === undefined
      ? null
      : Object.fromEntries(labels.map((l) => [l, percent(f.postprocessed!.results.mean[l]?.Dice ?? NaN)])),
    perCase: perCase(f.summary, labels),
    training: f.history === undefined ? null : training(f.history),
    resumed: f.attempts !== undefined && f.attempts.earlier.length > 0 ? f.attempts : null,
    curves: f.history?.epochs ?? [],
  };
}

/** Sample standard deviation (n - 1); NaN with fewer than two values. */
export function sampleStd(values: readonly number[]): number {
  if (values.length < 2) return NaN;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1));
}

function labelReport(label: string, input: ReportInput, folds: readonly FoldReport[]): LabelReport {
  const perFold = folds.map((f) => f.dicePercent[label] ?? null);
  const defined = perFold.filter((x): x is number => x !== null);
  const mean = defined.length === 0 ? NaN : defined.reduce((a, b) => a + b, 0) / defined.length;
  const caseDice = input.folds.flatMap((f) =>
    f.summary.results.all.map((c) => (c[label] as LabelMetrics | undefined)?.Dice ?? NaN),
  );
  const pooled = nanMean(caseDice);
  const pp = folds.every((f) => f.postprocessedDicePercent !== null)
    ? folds.map((f) => f.postprocessedDicePercent?.[label] ?? null).filter((x): x is number => x !== null)
    : [];
  const ppMean = pp.length === 0 ? NaN : pp.reduce((a, b) => a + b, 0) / pp.length;
  const reference = input.reference?.[label];
  return {
    label,
    name: input.labels[label] ?? label,
    perFoldPercent: perFold,
    meanPercent: finiteOrNull(mean),
    stdPercent: finiteOrNull(sampleStd(defined)),
    postprocessedMeanPercent: finiteOrNull(ppMean),
    postprocessedStdPercent: finiteOrNull(sampleStd(pp)),
    pooledPercent: percent(pooled),
    validCases: caseDice.filter((d) => !Number.isNaN(d)).length,
    totalCases: caseDice.length,
    referencePercent: reference ?? null,
    deltaPercent: reference === undefined ? null : finiteOrNull(mean - reference),
    crossValidationPostprocessedPercent: input.crossValidation === undefined
      ? null
      : percent(input.crossValidation.postprocessed.results.mean[label]?.Dice ?? NaN),
  };
}

/** report.json's content. Folds are ordered by fold number; labels by id. */
export function buildReport(input: ReportInput): Report {
  // Background (label 0) is never reported, even when the caller passes dataset.json's full label map.
  const labels = labelKeys(input.labels).filter((l) => l !== '0');
  const sorted = [...input.folds].sort((a, b) => a.fold - b.fold);
  const folds = sorted.map((f) => foldReport(f, labels));
  return {
    pipeline: input.pipeline,
    task: input.task,
    generatedAt: input.generatedAt ?? new Date().toISOString(),
    labels: Object.fromEntries(labels.map((l) => [l, input.labels[l]!])),
    referenceSource: input.referenceSource ?? null,
    summary: labels.map((l) => labelReport(l, { ...input, folds: sorted }, folds)),
    folds,
    totalTrainingSeconds: folds.reduce((a, f) => a + (f.training?.wallSeconds ?? 0), 0),
    crossValidationPostprocessing: input.crossValidation?.forWhichClasses ?? null,
    recipeDepartures: departures(sorted),
    recipeUnknownFolds: sorted.filter((f) => f.departures === undefined).map((f) => f.fold),
  };
}

/** Each distinct departure once, with the folds that made it (folds in order). */
function departures(folds: readonly FoldInput[]): ReportDeparture[] {
  const byKey = new Map<string, ReportDeparture & { folds: number[] }>();
  for (const f of folds) {
    for (const d of f.departures ?? []) {
      const key = JSON.stringify([d.setting, d.value, d.reference]);
      const seen = byKey.get(key) ?? { ...d, folds: [] };
      seen.folds.push(f.fold);
      byKey.set(key, seen);
    }
  }
  return [...byKey.values()];
}

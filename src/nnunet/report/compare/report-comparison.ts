/**
 * Sets the reports of two or more runs side by side (the first is the baseline): per label each
 * run's mean ± std over folds and per-fold Dice, then each other run against the baseline on the
 * validation cases both share (paired-difference.ts); per run the training time and throughput.
 * No I/O: the figures that comparison-text.ts and comparison-html.ts render, and `--json` prints.
 */
import { BOOTSTRAP_DEFAULTS } from '../../../util/stats/bootstrap.js';
import { EXACT_MAX_N } from '../../../util/stats/signed-rank.js';
import { pairCases, type CasePair } from './paired-cases.js';
import { pairedDifference, type PairedDifference } from './paired-difference.js';
import type { ComparedReport } from './read-report.js';

export interface RunReport {
  readonly run: string;
  readonly report: ComparedReport;
}

export interface LabelRunFigures {
  readonly run: string;
  /** Mean and sample std over folds (percent); null when the run's report lacks the label. */
  readonly meanPercent: number | null;
  readonly stdPercent: number | null;
  readonly perFold: readonly { readonly fold: number; readonly dicePercent: number | null }[];
}

export interface LabelVersus extends PairedDifference {
  readonly run: string;
  readonly baseline: string;
  /** The cases in the test, by id. */
  readonly cases: readonly CasePair[];
  /** Left out of the test: validated in only one of the two runs, or without a Dice in one. */
  readonly onlyBaseline: readonly string[];
  readonly onlyOther: readonly string[];
  readonly withoutDice: readonly string[];
}

export interface LabelComparison {
  readonly label: string;
  readonly name: string;
  readonly runs: readonly LabelRunFigures[];
  readonly versus: readonly LabelVersus[];
}

export interface TrainingFigures {
  readonly run: string;
  readonly folds: number;
  /** Folds whose training the report records (a report without train stages in its needs has none). */
  readonly trainedFolds: number;
  /** Sum of the folds' training wall time. */
  readonly totalSeconds: number;
  /** Mean over the folds that recorded it; null when none did. */
  readonly meanSamplesPerSecond: number | null;
  /** Epochs per fold, in fold order (null: not recorded). */
  readonly epochs: readonly (number | null)[];
}

export interface ReportComparison {
  readonly baseline: string;
  readonly labels: readonly LabelComparison[];
  readonly training: readonly TrainingFigures[];
  /** How the paired figures are computed, for the reader. */
  readonly method: {
    readonly difference: string;
    readonly bootstrap: { readonly resamples: number; readonly seed: number; readonly levelPercent: number; readonly kind: string };
    readonly wilcoxon: string;
  };
}

function figures(r: RunReport, label: string): LabelRunFigures {
  const l = r.report.summary.find((s) => s.label === label);
  return {
    run: r.run,
    meanPercent: l?.meanPercent ?? null,
    stdPercent: l?.stdPercent ?? null,
    perFold: l === undefined ? [] : r.report.folds.map((f, i) => ({ fold: f.fold, dicePercent: l.perFoldPercent[i] ?? null })),
  };
}

function training(r: RunReport): TrainingFigures {
  const rates = r.report.folds.flatMap((f) => (f.training !== null && Number.isFinite(f.training.samplesPerSecond) ? [f.training.samplesPerSecond] : []));
  return {
    run: r.run,
    folds: r.report.folds.length,
    trainedFolds: r.report.folds.filter((f) => f.training !== null).length,
    totalSeconds: r.report.totalTrainingSeconds,
    meanSamplesPerSecond: rates.length === 0 ? null : rates.reduce((a, b) => a + b, 0) / rates.length,
    epochs: r.report.folds.map((f) => f.training?.epochs ?? null),
  };
}

export function compareReports(runs: readonly RunReport[]): ReportComparison {
  const [baseline, ...others] = runs;
  if (baseline === undefined || others.length === 0) throw new Error(`Internal error: a comparison needs two reports or more, received ${runs.length}`);
  const labels = baseline.report.summary.map((l): LabelComparison => ({
    label: l.label,
    name: l.name,
    runs: runs.map((r) => figures(r, l.label)),
    versus: others.map((o) => {
      const paired = pairCases(baseline, o, l.label);
      return { run: o.run, baseline: baseline.run, cases: paired.pairs, onlyBaseline: paired.onlyBaseline, onlyOther: paired.onlyOther, withoutDice: paired.withoutDice, ...pairedDifference(paired.pairs) };
    }),
  }));
  return {
    baseline: baseline.run,
    labels,
    training: runs.map(training),
    method: {
      difference: 'Dice (percent) of the other run minus the baseline, per validation case both runs share',
      bootstrap: { ...BOOTSTRAP_DEFAULTS, kind: 'percentile interval of the mean difference; resamples drawn as numpy RandomState(seed).randint(0, n, (resamples, n))' },
      wilcoxon: `two-sided signed-rank test as scipy 1.10 wilcoxon(other, baseline) with its defaults: exact distribution for n <= ${EXACT_MAX_N} without zero differences, else the normal approximation without continuity correction, zeros dropped, ties corrected in the variance`,
    },
  };
}

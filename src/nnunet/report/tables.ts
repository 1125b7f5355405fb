/**
 * The report's tables as plain rows (header + cells), rendered by report-markdown.ts and
 * report-html.ts alike so both files always show the same figures.
 */
import { duration, num, pct, signed } from './format.js';
import type { Report } from './types.js';

export interface Table {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** Columns to right-align (numbers). */
  readonly numeric: readonly number[];
}

/** Dice per label: per fold, mean ± std, pooled, reference, delta. */
export function diceTable(report: Report): Table {
  const postprocessed = report.summary.some((l) => l.postprocessedMeanPercent !== null);
  const crossValidation = report.crossValidationPostprocessing !== null;
  const header = [
    'label',
    ...report.folds.map((f) => `fold ${f.fold}`),
    'mean ± std',
    ...(postprocessed ? ['postprocessed mean ± std'] : []),
    'pooled (cases)',
    ...(crossValidation ? ['pooled, CV postprocessed'] : []),
    'reference',
    'Δ mean − ref',
  ];
  const rows = report.summary.map((l) => [
    `${l.name} (${l.label})`,
    ...l.perFoldPercent.map((d) => pct(d)),
    `${pct(l.meanPercent)} ± ${pct(l.stdPercent)}`,
    ...(postprocessed ? [`${pct(l.postprocessedMeanPercent)} ± ${pct(l.postprocessedStdPercent)}`] : []),
    `${pct(l.pooledPercent)} (${l.validCases}/${l.totalCases})`,
    ...(crossValidation ? [pct(l.crossValidationPostprocessedPercent)] : []),
    pct(l.referencePercent),
    signed(l.deltaPercent),
  ]);
  return { header, rows, numeric: header.map((_, i) => i).slice(1) };
}

/** The cross-validation postprocessing decision in words, or null when none was run. */
export function crossValidationNote(report: Report): string | null {
  const which = report.crossValidationPostprocessing;
  if (which === null) return null;
  const name = (c: number) => `${report.labels[String(c)] ?? c} (${c})`;
  const parts = which.map((e) => (typeof e === 'number' ? name(e) : `${e.map(name).join(' + ')} as one object`));
  return `Cross-validation postprocessing (decided over all folds' validation cases, applied to predictions): ` +
    (parts.length > 0 ? `keep the largest connected component of ${parts.join('; then of ')}.` : 'none kept (no label improved).');
}

/** Training time and throughput per fold. */
export function trainingTable(report: Report): Table {
  const header = ['fold', 'epochs', 'wall time', 'samples/s', 'devices', 'final train loss', 'final val loss', 'final pseudo Dice'];
  const rows = report.folds.map((f) => {
    const t = f.training;
    return t === null
      ? [`fold ${f.fold}`, 'n/a', 'n/a', 'n/a', 'n/a', 'n/a', 'n/a', 'n/a']
      : [
          `fold ${f.fold}`,
          String(t.epochs),
          duration(t.wallSeconds),
          num(t.samplesPerSecond, 2),
          `${t.worldSize} × ${t.device}`,
          num(t.finalTrainLoss),
          num(t.finalValLoss),
          pct(t.finalPseudoDicePercent),
        ];
  });
  return { header, rows, numeric: [1, 2, 3, 5, 6, 7] };
}

/** Dice per case (percent), one row per case. */
export function caseTable(report: Report): Table {
  const header = ['fold', 'case', ...report.summary.map((l) => l.name)];
  const rows = report.folds.flatMap((f) =>
    f.perCase.map((c) => [String(f.fold), c.id, ...report.summary.map((l) => pct(c.dicePercent[l.label] ?? null))]),
  );
  return { header, rows, numeric: [0, ...report.summary.map((_, i) => i + 2)] };
}

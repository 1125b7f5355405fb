/**
 * The report's Dice plots: mean Dice per label per fold (bars) with the mean +- std across folds
 * and the reference as a dashed line, and Dice per case (dots, one column per fold, one panel per
 * label). Inputs are report.json figures (percent).
 */
import { renderChart } from '../../util/svg-chart.js';
import type { ReferenceLine, Series } from '../../util/svg-chart.js';
import type { Report } from './types.js';

/** Fold colours (matplotlib's tab10). */
export const FOLD_COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

const foldColor = (i: number): string => FOLD_COLORS[i % FOLD_COLORS.length]!;
const p2 = (x: number | null): string => (x === null ? 'n/a' : x.toFixed(2));

/** Grouped bars: for each label, one bar per fold and a "mean" bar with the std as error bar. */
export function foldDiceSvg(report: Report): string {
  const nFolds = report.folds.length;
  const group = nFolds + 1.5; // bars per label group, plus a gap
  const series: Series[] = report.folds.map((f, i) => ({
    name: `fold ${f.fold}`,
    kind: 'bars',
    barWidth: 0.85,
    color: foldColor(i),
    points: report.summary.map((l, li) => ({
      x: li * group + i,
      y: l.perFoldPercent[i] ?? null,
      label: `${l.name}, fold ${f.fold}: ${p2(l.perFoldPercent[i] ?? null)}`,
    })),
  }));
  series.push({
    name: 'mean ± std over folds',
    kind: 'bars',
    barWidth: 0.85,
    color: '#444',
    points: report.summary.map((l, li) => ({
      x: li * group + nFolds,
      y: l.meanPercent,
      error: l.stdPercent,
      label: `${l.name}: ${p2(l.meanPercent)} ± ${p2(l.stdPercent)}`,
    })),
  });
  const lines: ReferenceLine[] = report.summary.flatMap((l, li) =>
    l.referencePercent === null
      ? []
      : [{ y: l.referencePercent, color: '#000', dash: '6 4', x0: li * group - 0.6, x1: li * group + nFolds + 0.6, label: `reference ${l.name}: ${l.referencePercent}` }],
  );
  if (lines.length > 0) series.push({ name: 'reference', kind: 'line', points: [], color: '#000', dash: '6 4' });
  return renderChart({
    id: 'dice-per-fold',
    title: 'Mean Dice per label and fold',
    width: 900,
    height: 440,
    xLabel: 'label',
    yLabel: 'Dice (%)',
    xDomain: [-1, (report.summary.length - 1) * group + nFolds + 1],
    yDomain: [0, 100],
    xTicks: report.summary.map((l, li) => ({ value: li * group + nFolds / 2, label: `${l.name} (${l.label})` })),
    series,
    lines,
  });
}

/** One panel per label: Dice of every case, columns = folds; NaN cases are left out (counted in the title). */
export function caseDiceSvg(report: Report, label: string): string {
  const entry = report.summary.find((l) => l.label === label);
  const name = entry?.name ?? label;
  const series: Series[] = report.folds.map((f, i) => ({
    name: `fold ${f.fold}`,
    kind: 'dots',
    color: foldColor(i),
    points: f.perCase.map((c, k) => ({
      // deterministic jitter within the fold's column
      x: i + ((((k * 0.618034) % 1) - 0.5) * 0.5),
      y: c.dicePercent[label] ?? null,
      label: `${c.id} (fold ${f.fold}): ${p2(c.dicePercent[label] ?? null)}`,
    })),
  }));
  const means: Series = {
    name: 'fold mean',
    kind: 'dots',
    color: '#000',
    points: report.folds.map((f, i) => ({ x: i, y: f.dicePercent[label] ?? null, label: `fold ${f.fold} mean: ${p2(f.dicePercent[label] ?? null)}` })),
  };
  const lines: ReferenceLine[] =
    entry?.referencePercent == null ? [] : [{ y: entry.referencePercent, color: '#000', dash: '6 4', label: `reference ${entry.referencePercent}` }];
  const undefinedCases = entry === undefined ? 0 : entry.totalCases - entry.validCases;
  return renderChart({
    id: `dice-per-case-${label}`,
    title: `Dice per case: ${name}${undefinedCases > 0 ? ` (${undefinedCases} case(s) with no ${name} in prediction or reference left out)` : ''}`,
    width: 900,
    height: 400,
    xLabel: 'fold',
    yLabel: 'Dice (%)',
    xDomain: [-0.6, Math.max(0, report.folds.length - 1) + 0.6],
    yDomain: [0, 100],
    xTicks: report.folds.map((f, i) => ({ value: i, label: `fold ${f.fold}` })),
    series: [...series, means, ...(lines.length > 0 ? [{ name: 'reference', kind: 'line' as const, points: [], color: '#000', dash: '6 4' }] : [])],
    lines,
  });
}

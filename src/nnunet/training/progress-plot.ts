/**
 * The training progress plot, like the reference's progress.png (recipe §8.7): train loss (blue)
 * and validation loss (red) on the left axis, the online pseudo-Dice (green, dashed) on the right
 * axis, x = epoch. Per-class online Dice, when the history has it, is drawn thin and dashed too.
 * SVG text; `writeProgressPlot` writes it atomically (the train stage rewrites it every epoch).
 */
import { rename, rm, writeFile } from 'node:fs/promises';

import { renderChart } from '../../util/svg-chart.js';
import type { Series } from '../../util/svg-chart.js';
import type { EpochRecord, TrainingHistory } from './history-format.js';

export const COLORS = {
  trainLoss: '#1f77b4',
  valLoss: '#d62728',
  pseudoDice: '#2ca02c',
  perClass: ['#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'],
} as const;

export interface ProgressPlotOptions {
  readonly title?: string;
  readonly width?: number;
  readonly height?: number;
  /** data-plot id (default "progress"). */
  readonly id?: string;
  /** Foreground class names for the per-class lines, in pseudoDicePerClass order. */
  readonly classNames?: readonly string[];
  readonly fontSize?: number;
}

/** The plot as SVG text. Accepts a whole history or just its epochs. */
export function progressPlotSvg(history: TrainingHistory | readonly EpochRecord[], options: ProgressPlotOptions = {}): string {
  const epochs: readonly EpochRecord[] = 'epochs' in history ? history.epochs : history;
  const pts = (f: (e: EpochRecord) => number | null | undefined) =>
    epochs.map((e) => ({ x: e.epoch, y: f(e) ?? null }));
  const series: Series[] = [
    { name: 'train loss', kind: 'line', points: pts((e) => e.trainLoss), color: COLORS.trainLoss },
    { name: 'val loss', kind: 'line', points: pts((e) => e.valLoss), color: COLORS.valLoss },
    {
      name: 'pseudo Dice (online)',
      kind: 'line',
      axis: 'right',
      points: pts((e) => e.pseudoDice),
      color: COLORS.pseudoDice,
      dash: '8 5',
    },
  ];
  const classes = Math.max(0, ...epochs.map((e) => e.pseudoDicePerClass?.length ?? 0));
  for (let c = 0; c < classes; c++) {
    series.push({
      name: `pseudo Dice ${options.classNames?.[c] ?? `class ${c + 1}`}`,
      kind: 'line',
      axis: 'right',
      points: pts((e) => e.pseudoDicePerClass?.[c]),
      color: COLORS.perClass[c % COLORS.perClass.length]!,
      dash: '3 3',
      strokeWidth: 1.2,
    });
  }
  const last = epochs[epochs.length - 1];
  const first = epochs[0];
  return renderChart({
    id: options.id ?? 'progress',
    title: options.title ?? 'Training progress',
    width: options.width ?? 900,
    height: options.height ?? 560,
    xLabel: 'epoch',
    yLabel: 'loss',
    y2Label: 'evaluation metric (pseudo Dice)',
    xDomain: first === undefined || last === undefined ? [0, 1] : [first.epoch, Math.max(last.epoch, first.epoch + 1)],
    y2Domain: [0, 1],
    series,
    ...(options.fontSize === undefined ? {} : { fontSize: options.fontSize }),
  });
}

/** Writes the progress plot to `path` (temporary file + rename). */
export async function writeProgressPlot(
  path: string,
  history: TrainingHistory | readonly EpochRecord[],
  options: ProgressPlotOptions = {},
): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, progressPlotSvg(history, options), 'utf8');
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** All plots of a report, by plot id (the `data-plot` attribute): Dice per fold, per case, training curves. */
import { caseDiceSvg, foldDiceSvg } from './dice-plots.js';
import { progressPlotSvg } from '../training/progress-plot.js';
import type { Report } from './types.js';

export interface ReportPlots {
  readonly dice: readonly { readonly id: string; readonly svg: string }[];
  readonly training: readonly { readonly id: string; readonly fold: number; readonly svg: string }[];
}

export function reportPlots(report: Report): ReportPlots {
  const classNames = report.summary.map((l) => l.name);
  return {
    dice: [
      { id: 'dice-per-fold', svg: foldDiceSvg(report) },
      ...report.summary.map((l) => ({ id: `dice-per-case-${l.label}`, svg: caseDiceSvg(report, l.label) })),
    ],
    training: report.folds
      .filter((f) => f.curves.length > 0)
      .map((f) => ({
        id: `training-fold-${f.fold}`,
        fold: f.fold,
        svg: progressPlotSvg(f.curves, {
          id: `training-fold-${f.fold}`,
          title: `Fold ${f.fold}: training curves`,
          width: 560,
          height: 400,
          fontSize: 11,
          classNames,
        }),
      })),
  };
}

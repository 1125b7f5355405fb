/**
 * The variants side by side in one table, the first thing report.md and report.html show (and what `pipe report`
 * prints): per variant and label the mean ± std over folds, the pooled Dice, and the paired difference against
 * the baseline variant over the cases both share (from the comparison), then each variant's training time.
 */
import { dice, meanStd, pValue, signed } from '../compare/format-figures.js';
import { duration } from '../format.js';
import type { Table } from '../tables.js';
import type { VariantsReport } from './types.js';

export function variantsSummaryTable(v: VariantsReport): Table {
  const header = ['variant', 'label', 'mean ± std', 'pooled', 'paired Δ vs baseline [95% CI]', 'Wilcoxon p', 'higher / lower / equal', 'training time'];
  const rows = v.variants.flatMap((variant) => variant.summary.map((l) => {
    const versus = v.comparison.labels.find((c) => c.label === l.label)?.versus.find((x) => x.run === variant.name);
    const paired = versus === undefined
      ? ['baseline', '', '']
      : versus.n === 0
        ? ['no shared case', '', '']
        : [
            `${signed(versus.meanDifference)}${versus.interval === null ? '' : ` [${signed(versus.interval.low)}, ${signed(versus.interval.high)}]`} (${versus.n} cases)`,
            versus.wilcoxon.testable ? pValue(versus.wilcoxon.pValue) : 'n/a',
            `${versus.better} / ${versus.worse} / ${versus.equal}`,
          ];
    return [variant.name, `${l.name} (${l.label})`, meanStd(l.meanPercent, l.stdPercent), dice(l.pooledPercent), ...paired, duration(variant.totalTrainingSeconds)];
  }));
  return { header, rows, numeric: [2, 3, 4, 5, 6, 7] };
}

/** A report's headline for `pipe runs`: mean Dice (± std over folds) per label. */
import type { OutputHeadline } from '../../../stage-api/types.js';
import { dice } from './format-figures.js';
import type { ComparedReport } from './read-report.js';

export function reportHeadline(report: ComparedReport): OutputHeadline {
  const parts = report.summary.map((l) => `${l.name} ${dice(l.meanPercent)}${l.stdPercent === null ? '' : ` ± ${dice(l.stdPercent)}`}`);
  const values: Record<string, number | null> = {};
  for (const l of report.summary) {
    values[`dice_${l.name}`] = l.meanPercent;
    values[`dice_${l.name}_std`] = l.stdPercent;
  }
  return { text: `Dice ${parts.join(', ')} (${report.folds.length} fold${report.folds.length === 1 ? '' : 's'})`, values };
}

/** A report's headline for `pipe runs`: mean Dice (± std over folds) per label. */
import type { OutputHeadline } from '../../../stage-api/types.js';
import { dice } from './format-figures.js';
import type { ComparedReport, VariantReport } from './read-report.js';

export function reportHeadline(report: ComparedReport): OutputHeadline {
  const parts = report.summary.map((l) => `${l.name} ${dice(l.meanPercent)}${l.stdPercent === null ? '' : ` ± ${dice(l.stdPercent)}`}`);
  const values: Record<string, number | null> = {};
  for (const l of report.summary) {
    values[`dice_${l.name}`] = l.meanPercent;
    values[`dice_${l.name}_std`] = l.stdPercent;
  }
  return { text: `Dice ${parts.join(', ')} (${report.folds.length} fold${report.folds.length === 1 ? '' : 's'})`, values };
}

/** The headline of a report output: its report's, or each variant's (`network=unet: Dice liver …`), values named `dice_liver[network=unet]`. */
export function variantsHeadline(reports: readonly VariantReport[]): OutputHeadline {
  const [only] = reports;
  if (reports.length === 1 && only !== undefined && only.variant === '') return reportHeadline(only.report);
  const heads = reports.map((r) => ({ variant: r.variant, head: reportHeadline(r.report) }));
  return {
    text: heads.map((h) => `${h.variant}: ${h.head.text}`).join('; '),
    values: Object.fromEntries(heads.flatMap((h) => Object.entries(h.head.values).map(([k, v]) => [`${k}[${h.variant}]`, v]))),
  };
}

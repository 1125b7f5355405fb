/**
 * The report kind's OutputAnalysis (stage-api/types.ts): what `pipe runs` shows of a report (mean
 * Dice per label) and what `pipe compare` sets side by side (report-comparison.ts), both read from
 * report.json in the committed output; a report of variants shows and compares each variant.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { OutputAnalysis } from '../../../stage-api/types.js';
import { comparisonHtml } from './comparison-html.js';
import { comparisonText } from './comparison-text.js';
import { variantsHeadline } from './headline.js';
import { readReportVariants } from './read-report.js';
import { compareReports } from './report-comparison.js';

export const reportAnalysis: OutputAnalysis = {
  async headline(out) {
    const file = join(out, 'report.json');
    return existsSync(file) ? variantsHeadline(await readReportVariants(file)) : undefined;
  },
  async compare(outputs) {
    // A report of variants gives one entry per run and variant, each against the first run's first variant.
    const runs = (await Promise.all(outputs.map(async (o) => (await readReportVariants(join(o.out, 'report.json')))
      .map((v) => ({ run: v.variant === '' ? o.run : `${o.run} ${v.variant}`, report: v.report }))))).flat();
    const comparison = compareReports(runs);
    return { text: comparisonText(comparison), json: comparison, html: comparisonHtml(comparison) };
  },
};

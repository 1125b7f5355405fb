/**
 * The report kind's OutputAnalysis (stage-api/types.ts): what `pipe runs` shows of a report (mean
 * Dice per label) and what `pipe compare` sets side by side (report-comparison.ts), both read from
 * report.json in the committed output.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { OutputAnalysis } from '../../../stage-api/types.js';
import { comparisonHtml } from './comparison-html.js';
import { comparisonText } from './comparison-text.js';
import { reportHeadline } from './headline.js';
import { readComparedReport } from './read-report.js';
import { compareReports } from './report-comparison.js';

export const reportAnalysis: OutputAnalysis = {
  async headline(out) {
    const file = join(out, 'report.json');
    return existsSync(file) ? reportHeadline(await readComparedReport(file)) : undefined;
  },
  async compare(outputs) {
    const runs = await Promise.all(outputs.map(async (o) => ({ run: o.run, report: await readComparedReport(join(o.out, 'report.json')) })));
    const comparison = compareReports(runs);
    return { text: comparisonText(comparison), json: comparison, html: comparisonHtml(comparison) };
  },
};

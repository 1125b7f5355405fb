/**
 * report.md of a pipeline with variants: the variants side by side (summary-table.ts), then per variant its Dice and training tables (as its own report writes
 * them) with a link to that report, then the paired comparison against the first variant as `pipe compare`
 * prints it.
 */
import { recipeCaveat } from '../caveats.js';
import { comparisonText } from '../compare/comparison-text.js';
import { duration } from '../format.js';
import { markdownTable } from '../report-markdown.js';
import { diceTable, trainingTable } from '../tables.js';
import { variantsSummaryTable } from './summary-table.js';
import type { Report } from '../types.js';
import type { VariantsReport } from './types.js';

export function renderVariantsMarkdown(v: VariantsReport, reports: readonly Report[]): string {
  const baseline = v.comparison.baseline;
  const sections = v.variants.flatMap((variant, i) => {
    const r = reports[i];
    if (r === undefined) throw new Error(`Internal error: no report for variant ${variant.name}`);
    const caveat = recipeCaveat(r);
    return [
      `## ${variant.name}${variant.name === baseline ? ' (baseline)' : ''}`,
      '',
      `${r.folds.length} fold(s), ${r.folds.reduce((a, f) => a + f.cases, 0)} validation case(s), training ${duration(r.totalTrainingSeconds)} in all. ` +
        `Its own report: [${variant.dir}/report.md](${variant.dir}/report.md).`,
      '',
      ...(caveat === null ? [] : [`> **${caveat.head}**`, '>', ...caveat.items.map((c) => `> - ${c}`), '']),
      markdownTable(diceTable(r)),
      '',
      markdownTable(trainingTable(r)),
      '',
    ];
  });
  return [
    `# ${v.pipeline}: ${v.task}`,
    '',
    `Cross-validation report of ${v.variants.length} variants, generated ${v.generatedAt}: ${v.variants.map((x) => x.name).join(', ')}.`,
    '',
    '## Dice per variant (%)',
    '',
    markdownTable(variantsSummaryTable(v)),
    '',
    `Paired Δ: Dice of the variant minus ${baseline}'s per validation case both share (percent points); the comparison below gives the details.`,
    '',
    ...sections,
    `## Comparison against ${baseline}`,
    '',
    '```text',
    comparisonText(v.comparison),
    '```',
    '',
  ].join('\n');
}

/** report.md: the report's tables in GitHub markdown, with the plots linked from plots/*.svg. */
import { recipeCaveat, resumedNotes, type Caveat } from './caveats.js';
import { duration } from './format.js';
import { caseTable, crossValidationNote, diceTable, trainingTable } from './tables.js';
import type { Table } from './tables.js';
import type { Report } from './types.js';

/** Escapes the characters that break a markdown table cell. */
const cell = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function markdownTable(t: Table): string {
  const align = t.header.map((_, i) => (t.numeric.includes(i) ? '---:' : '---'));
  return [t.header, align, ...t.rows].map((r) => `| ${r.map(cell).join(' | ')} |`).join('\n');
}

/** Relative paths of the plot files the markdown links to, by plot id. */
export function plotFiles(report: Report): Record<string, string> {
  return {
    'dice-per-fold': 'plots/dice-per-fold.svg',
    ...Object.fromEntries(report.summary.map((l) => [`dice-per-case-${l.label}`, `plots/dice-per-case-${l.label}.svg`])),
    ...Object.fromEntries(
      report.folds.filter((f) => f.curves.length > 0).map((f) => [`training-fold-${f.fold}`, `plots/training-fold-${f.fold}.svg`]),
    ),
  };
}

/** A caveat as a markdown quote block (and a blank line), or nothing. */
function caveatLines(c: Caveat | null): string[] {
  return c === null ? [] : [`> **${c.head}**`, '>', ...c.items.map((i) => `> - ${i}`), ''];
}

export function renderMarkdown(report: Report): string {
  const cases = report.folds.reduce((a, f) => a + f.cases, 0);
  const files = plotFiles(report);
  const lines = [
    `# ${report.pipeline}: ${report.task}`,
    '',
    `Cross-validation report generated ${report.generatedAt}: ${report.folds.length} fold(s), ${cases} validation case(s).`,
    '',
    '## Dice per label (%)',
    '',
    ...caveatLines(recipeCaveat(report)),
    markdownTable(diceTable(report)),
    '',
    '- *fold k*: the fold\'s `results.mean[label].Dice` (mean over its cases, cases without the label in prediction and reference left out, as in nnU-Net).',
    '- *mean ± std*: over the fold means (sample std, n − 1). *pooled*: mean over all cases of all folds (nnU-Net\'s cross-validation figure), with the number of cases that count.',
    `- *reference*: ${report.referenceSource ?? 'figures given in the pipeline'}. Δ = mean − reference.`,
    ...(crossValidationNote(report) === null ? [] : [`- *pooled, CV postprocessed*: ${crossValidationNote(report)}`]),
    '',
    '## Training',
    '',
    markdownTable(trainingTable(report)),
    '',
    `Total training time over folds: ${duration(report.totalTrainingSeconds)}. Samples/s counts all devices of a fold together.`,
    '',
    ...(resumedNotes(report).length === 0 ? [] : [...resumedNotes(report).map((n) => `- ${n}`), '']),
    '## Plots',
    '',
    ...Object.entries(files).map(([id, path]) => `![${id}](${path})`),
    '',
    '## Dice per case (%)',
    '',
    markdownTable(caseTable(report)),
    '',
  ];
  return lines.join('\n');
}

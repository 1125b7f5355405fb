/**
 * report.html of a pipeline with variants: one self-contained page with each variant's Dice and training
 * tables (linking to the variant's own report.html), then the paired comparison against the first variant,
 * the same fragment `pipe compare --html` shows (per label the figures, the paired test and a paired dot
 * plot). The check script of report-html.ts leaves its verdict in `<body data-checks>`.
 */
import { escapeXml } from '../../../util/svg-chart.js';
import { recipeCaveat } from '../caveats.js';
import { comparisonHtml } from '../compare/comparison-html.js';
import { duration } from '../format.js';
import { caveatHtml, CHECK_SCRIPT, htmlTable, STYLE } from '../report-html.js';
import { diceTable, trainingTable } from '../tables.js';
import { variantsSummaryTable } from './summary-table.js';
import type { Report } from '../types.js';
import type { VariantsReport } from './types.js';

const esc = escapeXml;

const COMPARISON_STYLE = `
section.variant { margin-bottom: 18px; } section.label h3 { font-size: 16px; margin-bottom: 4px; }
table.figures td:first-child, table.paired td:first-child { font-weight: bold; }
figure { margin: 8px 0; } figure svg { max-width: 100%; height: auto; border: 1px solid #eee; }
`;

function variantSection(name: string, dir: string, baseline: boolean, r: Report): string {
  const cases = r.folds.reduce((a, f) => a + f.cases, 0);
  return `<section class="variant" data-variant="${esc(name)}">
<h2>${esc(name)}${baseline ? ' (baseline)' : ''}</h2>
<p class="meta">${r.folds.length} fold(s) · ${cases} validation case(s) · training ${esc(duration(r.totalTrainingSeconds))} in all · its own report: <a href="${esc(dir)}/report.html">${esc(dir)}/report.html</a></p>
${caveatHtml(recipeCaveat(r))}${htmlTable(diceTable(r), 'dice')}
${htmlTable(trainingTable(r), 'training')}
</section>`;
}

export function renderVariantsHtml(v: VariantsReport, reports: readonly Report[]): string {
  const comparison = comparisonHtml(v.comparison);
  const plots = comparison.match(/data-plot="/g)?.length ?? 0;
  const title = `${v.pipeline}: ${v.task}`;
  const sections = v.variants.map((variant, i) => {
    const r = reports[i];
    if (r === undefined) throw new Error(`Internal error: no report for variant ${variant.name}`);
    return variantSection(variant.name, variant.dir, variant.name === v.comparison.baseline, r);
  });
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} – ${v.variants.length} variants, cross-validation report</title>
<style>${STYLE}${COMPARISON_STYLE}</style>
<script>${CHECK_SCRIPT}</script>
</head>
<body data-expected-plots="${plots}">
<h1>${esc(title)}</h1>
<p class="meta">Generated ${esc(v.generatedAt)} · ${v.variants.length} variants: ${esc(v.variants.map((x) => x.name).join(', '))}</p>
<h2>Dice per variant (%)</h2>
${htmlTable(variantsSummaryTable(v), 'variants')}
<p class="note">Paired Δ: Dice of the variant minus ${esc(v.comparison.baseline)}'s per validation case both share (percent points); the comparison below gives the details.</p>
${sections.join('\n')}
<h2>Comparison against ${esc(v.comparison.baseline)}</h2>
<section class="comparison">
${comparison}
</section>
</body>
</html>
`;
}

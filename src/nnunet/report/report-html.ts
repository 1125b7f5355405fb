/**
 * report.html: one self-contained page (inline CSS and SVG, no external resources) with the
 * report's tables and plots. A small inline script records script errors and checks that every
 * plot rendered with a non-empty box, leaving the verdict in `<body data-checks="ok">` so a
 * headless browser test can read it from the DOM.
 */
import { escapeXml } from '../../util/svg-chart.js';
import { recipeCaveat, resumedNotes, type Caveat } from './caveats.js';
import { duration } from './format.js';
import { reportPlots } from './report-plots.js';
import { caseTable, crossValidationNote, diceTable, trainingTable } from './tables.js';
import type { Table } from './tables.js';
import type { Report } from './types.js';

const esc = escapeXml;

export function htmlTable(t: Table, cls: string): string {
  const th = t.header.map((h, i) => `<th${t.numeric.includes(i) ? ' class="num"' : ''}>${esc(h)}</th>`).join('');
  const rows = t.rows
    .map((r) => `<tr>${r.map((c, i) => `<td${t.numeric.includes(i) ? ' class="num"' : ''}>${esc(c)}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table class="${cls}"><thead><tr>${th}</tr></thead><tbody>\n${rows}\n</tbody></table>`;
}

export const STYLE = `
body { font-family: Helvetica, Arial, sans-serif; margin: 0 auto; max-width: 1180px; padding: 16px 24px; color: #222; }
h1 { font-size: 24px; margin-bottom: 4px; } h2 { font-size: 19px; margin-top: 28px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
p.meta, p.note, li { color: #555; font-size: 13px; }
table { border-collapse: collapse; margin: 8px 0; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 4px 8px; } th { background: #f3f3f3; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.dice td:first-child { font-weight: bold; }
.plots { display: flex; flex-wrap: wrap; gap: 12px; } .plots svg { max-width: 100%; height: auto; border: 1px solid #eee; }
details summary { cursor: pointer; margin: 8px 0; }
.caveat { border-left: 4px solid #d98e04; background: #fff8e6; padding: 4px 12px; margin: 8px 0; } .caveat li { color: #333; }
`;

/** Runs in the page: records errors, checks the plots, writes the verdict into body[data-checks]. */
export const CHECK_SCRIPT = `
(function () {
  var errors = [];
  window.addEventListener('error', function (e) {
    errors.push(String(e.message || e));
    document.documentElement.setAttribute('data-errors', errors.join(' | '));
  });
  document.addEventListener('DOMContentLoaded', function () {
    var plots = document.querySelectorAll('svg[data-plot]');
    var expected = Number(document.body.getAttribute('data-expected-plots'));
    var empty = [];
    for (var i = 0; i < plots.length; i++) {
      var box = plots[i].getBoundingClientRect();
      if (!(box.width > 0 && box.height > 0) || plots[i].querySelectorAll('.series').length === 0) {
        empty.push(plots[i].getAttribute('data-plot'));
      }
    }
    var ok = plots.length === expected && empty.length === 0 && errors.length === 0;
    document.body.setAttribute('data-checks', ok ? 'ok' :
      'failed: ' + plots.length + '/' + expected + ' plots; empty: [' + empty.join(', ') + ']; errors: ' + errors.length);
  });
})();
`;

export function caveatHtml(c: Caveat | null): string {
  if (c === null) return '';
  return `<div class="caveat"><p><b>${esc(c.head)}</b></p>\n<ul>\n${c.items.map((i) => `<li>${esc(i)}</li>`).join('\n')}\n</ul></div>\n`;
}

export function renderHtml(report: Report): string {
  const plots = reportPlots(report);
  const count = plots.dice.length + plots.training.length;
  const cases = report.folds.reduce((a, f) => a + f.cases, 0);
  const title = `${report.pipeline}: ${report.task}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} – cross-validation report</title>
<style>${STYLE}</style>
<script>${CHECK_SCRIPT}</script>
</head>
<body data-expected-plots="${count}">
<h1>${esc(title)}</h1>
<p class="meta">Generated ${esc(report.generatedAt)} · ${report.folds.length} fold(s) · ${cases} validation case(s) · total training time ${esc(duration(report.totalTrainingSeconds))}</p>

<h2>Dice per label (%)</h2>
${caveatHtml(recipeCaveat(report))}${htmlTable(diceTable(report), 'dice')}
<ul>
<li><i>fold k</i>: the fold's mean Dice over its cases (cases without the label in prediction and reference left out, as in nnU-Net).</li>
<li><i>mean ± std</i>: over the fold means (sample std). <i>pooled</i>: mean over all cases of all folds, with the number of cases that count.</li>
<li><i>reference</i>: ${esc(report.referenceSource ?? 'figures given in the pipeline')}. Δ = mean − reference.</li>
${crossValidationNote(report) === null ? '' : `<li><i>pooled, CV postprocessed</i>: ${esc(crossValidationNote(report) ?? '')}</li>`}
</ul>
<div class="plots">
${plots.dice.map((p) => p.svg).join('\n')}
</div>

<h2>Training</h2>
${htmlTable(trainingTable(report), 'training')}
${resumedNotes(report).length === 0 ? '' : `<ul class="resumed">\n${resumedNotes(report).map((n) => `<li>${esc(n)}</li>`).join('\n')}\n</ul>\n`}<p class="note">Samples/s counts all devices of a fold together. Curves: train loss (blue) and validation loss (red) on the left axis, online pseudo-Dice (green, dashed) on the right axis.</p>
<div class="plots">
${plots.training.map((p) => p.svg).join('\n')}
</div>

<h2>Dice per case (%)</h2>
<details><summary>${cases} case(s)</summary>
${htmlTable(caseTable(report), 'cases')}
</details>
</body>
</html>
`;
}

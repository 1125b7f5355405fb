/**
 * The HTML fragment of a report comparison for `pipe compare --html`: per label a table of each
 * run's Dice (mean ± std, per fold), the paired statistics against the baseline, and a paired dot
 * plot per other run; then training time and throughput. Inline SVG only; the page around it is
 * the engine's.
 */
import { escapeXml } from '../../../util/svg-chart.js';
import { formatDuration } from '../../../util/duration.js';
import { dice, meanStd, signed, wilcoxonText } from './format-figures.js';
import { pairedDotPlotSvg } from './paired-dot-plot.js';
import type { LabelComparison, LabelVersus, ReportComparison } from './report-comparison.js';

const e = escapeXml;

function figuresTable(l: LabelComparison): string {
  const folds = [...new Set(l.runs.flatMap((r) => r.perFold.map((f) => f.fold)))].sort((a, b) => a - b);
  const head = `<tr><th>run</th><th>mean ± std</th>${folds.map((f) => `<th>fold ${f}</th>`).join('')}</tr>`;
  const rows = l.runs.map((r) => {
    const cells = folds.map((f) => `<td>${dice(r.perFold.find((x) => x.fold === f)?.dicePercent ?? null)}</td>`).join('');
    return `<tr><td><code>${e(r.run)}</code></td><td>${e(meanStd(r.meanPercent, r.stdPercent))}</td>${cells}</tr>`;
  });
  return `<table class="figures">${head}${rows.join('')}</table>`;
}

function versusBlock(l: LabelComparison, v: LabelVersus, index: number): string {
  const left = [
    v.onlyBaseline.length > 0 ? `${v.onlyBaseline.length} case(s) only in ${v.baseline}` : '',
    v.onlyOther.length > 0 ? `${v.onlyOther.length} only in ${v.run}` : '',
    v.withoutDice.length > 0 ? `${v.withoutDice.length} without a Dice in one run or both` : '',
  ].filter((x) => x !== '');
  const ci = v.interval === null ? 'n/a' : `[${signed(v.interval.low)}, ${signed(v.interval.high)}]`;
  const stats = v.n === 0
    ? '<p>No shared case with a Dice in both runs.</p>'
    : `<table class="paired"><tr><th>${e(v.run)} − ${e(v.baseline)}</th><th>cases</th><th>mean</th><th>95% CI</th><th>Wilcoxon</th><th>higher / lower / equal</th></tr>` +
      `<tr><td>Dice points</td><td>${v.n}</td><td>${signed(v.meanDifference)}</td><td>${ci}</td><td>${e(wilcoxonText(v.wilcoxon))}</td><td>${v.better} / ${v.worse} / ${v.equal}</td></tr></table>`;
  const note = left.length === 0 ? '' : `<p class="note">Left out of the paired test: ${e(left.join(', '))}.</p>`;
  return `${stats}${note}<figure>${v.n === 0 ? '' : pairedDotPlotSvg(l.name, v, `paired-${l.label}-${index}`)}</figure>`;
}

export function comparisonHtml(c: ReportComparison): string {
  const labels = c.labels.map((l) => `<section class="label" data-label="${e(l.label)}"><h3>${e(l.name)} (label ${e(l.label)})</h3>${figuresTable(l)}${l.versus.map((v, i) => versusBlock(l, v, i)).join('')}</section>`);
  const training = `<h3>Training</h3><table class="training"><tr><th>run</th><th>folds</th><th>training time</th><th>samples/s (mean over folds)</th><th>epochs</th></tr>${c.training.map((t) => t.trainedFolds === 0 ? `<tr><td><code>${e(t.run)}</code></td><td>${t.folds}</td><td colspan="3">no training recorded in its report</td></tr>` :
    `<tr><td><code>${e(t.run)}</code></td><td>${t.folds}</td><td>${formatDuration(t.totalSeconds * 1000)}</td><td>${t.meanSamplesPerSecond === null ? 'n/a' : t.meanSamplesPerSecond.toFixed(2)}</td><td>${e([...new Set(t.epochs.map((x) => (x === null ? 'n/a' : String(x))))].join(', '))}</td></tr>`).join('')}</table>`;
  const b = c.method.bootstrap;
  const method = `<p class="note">Paired difference: ${e(c.method.difference)}. CI: ${b.levelPercent}% bootstrap percentile interval, ${b.resamples} resamples, seed ${b.seed}. Wilcoxon: ${e(c.method.wilcoxon)}.</p>`;
  return `${labels.join('')}${training}${method}`;
}

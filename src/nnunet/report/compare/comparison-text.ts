/** The terminal text of a report comparison (report-comparison.ts): one block per label, then training. */
import { formatDuration } from '../../../util/duration.js';
import { dice, meanStd, signed, wilcoxonText } from './format-figures.js';
import type { LabelVersus, ReportComparison } from './report-comparison.js';

function leftOut(v: LabelVersus): string | undefined {
  const parts = [
    v.onlyBaseline.length > 0 ? `${v.onlyBaseline.length} case(s) only in ${v.baseline}` : '',
    v.onlyOther.length > 0 ? `${v.onlyOther.length} only in ${v.run}` : '',
    v.withoutDice.length > 0 ? `${v.withoutDice.length} without a Dice in one run or both (label in neither reference nor prediction)` : '',
  ].filter((p) => p !== '');
  return parts.length === 0 ? undefined : `left out of the paired test: ${parts.join(', ')}`;
}

function versusLine(v: LabelVersus): string {
  if (v.n === 0) return `${v.run} - ${v.baseline}: no shared case with a Dice in both runs`;
  const ci = v.interval === null ? '' : ` [${v.interval.levelPercent}% CI ${signed(v.interval.low)}, ${signed(v.interval.high)}]`;
  return `${v.run} - ${v.baseline} on ${v.n} shared case(s): mean ${signed(v.meanDifference)}${ci}; ${wilcoxonText(v.wilcoxon)}; better in ${v.better}, worse in ${v.worse}, equal in ${v.equal}`;
}

export function comparisonText(c: ReportComparison): string {
  const w = Math.max(...c.training.map((t) => t.run.length));
  const lines = ['Dice per label (percent): mean ± std over folds, per fold, and the paired difference per validation case'];
  for (const l of c.labels) {
    lines.push(`  ${l.name} (label ${l.label})`);
    for (const r of l.runs) {
      const folds = r.perFold.map((f) => `${f.fold}: ${dice(f.dicePercent)}`).join('  ');
      lines.push(`    ${r.run.padEnd(w)}  ${meanStd(r.meanPercent, r.stdPercent).padEnd(15)}  folds ${folds || 'n/a'}`);
    }
    for (const v of l.versus) {
      lines.push(`    ${versusLine(v)}`);
      const out = leftOut(v);
      if (out !== undefined) lines.push(`      ${out}`);
    }
  }
  lines.push('Training');
  for (const t of c.training) {
    if (t.trainedFolds === 0) {
      lines.push(`  ${t.run.padEnd(w)}  ${t.folds} fold(s), no training recorded in its report`);
      continue;
    }
    const epochs = [...new Set(t.epochs.map((e) => (e === null ? 'n/a' : String(e))))].join(', ');
    const rate = t.meanSamplesPerSecond === null ? 'n/a' : t.meanSamplesPerSecond.toFixed(2);
    lines.push(`  ${t.run.padEnd(w)}  ${t.folds} fold(s)  ${formatDuration(t.totalSeconds * 1000).padStart(7)} in all  ${rate} samples/s (mean over folds)  epochs ${epochs}`);
  }
  const b = c.method.bootstrap;
  lines.push(`Paired difference = other run - ${c.baseline}; CI: ${b.levelPercent}% bootstrap percentile interval, ${b.resamples} resamples, seed ${b.seed}; Wilcoxon: two-sided, as scipy 1.10 wilcoxon(other, baseline) with its defaults`);
  return lines.join('\n');
}

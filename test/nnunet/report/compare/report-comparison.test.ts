// Two runs' report.json set side by side: which cases pair, what is left out and said so, the
// paired figures (checked by hand and against the stats modules), and the text, HTML and headline.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildReport } from '../../../../src/nnunet/report/aggregate.js';
import { reportAnalysis } from '../../../../src/nnunet/report/compare/analysis.js';
import { comparisonHtml } from '../../../../src/nnunet/report/compare/comparison-html.js';
import { comparisonText } from '../../../../src/nnunet/report/compare/comparison-text.js';
import { checkComparedReport } from '../../../../src/nnunet/report/compare/read-report.js';
import { compareReports } from '../../../../src/nnunet/report/compare/report-comparison.js';
import type { Report } from '../../../../src/nnunet/report/types.js';
import { signedRankTest } from '../../../../src/util/stats/signed-rank.js';
import { reportInput } from '../fixtures.js';

const A: Report = JSON.parse(JSON.stringify(buildReport(reportInput(5, 6)))) as Report;

/** B: liver +1 point on the first 20 cases, -0.5 on the rest; case liver_29 not validated; 3 epochs fewer. */
function reportB(): Report {
  const b = JSON.parse(JSON.stringify(A)) as { folds: { perCase: { id: string; dicePercent: Record<string, number | null> }[]; training: { epochs: number } | null }[] };
  for (const f of b.folds) {
    for (const c of f.perCase) {
      const k = Number(c.id.replace('liver_', ''));
      c.dicePercent['1'] = (c.dicePercent['1'] as number) + (k < 20 ? 1 : -0.5);
    }
    f.perCase = f.perCase.filter((c) => c.id !== 'liver_29');
    if (f.training) f.training.epochs -= 3;
  }
  return b as unknown as Report;
}

const B = reportB();
const comparison = compareReports([{ run: 'aaa111', report: checkComparedReport(A) }, { run: 'bbb222', report: checkComparedReport(B) }]);

describe('report comparison', () => {
  const liver = comparison.labels.find((l) => l.name === 'liver')!;
  const cancer = comparison.labels.find((l) => l.name === 'cancer')!;
  const v = liver.versus[0]!;

  it('pairs the cases both runs validated and counts the rest', () => {
    expect(v.n).toBe(29);
    expect(v.onlyBaseline).toEqual(['liver_29']);
    expect(v.onlyOther).toEqual([]);
    expect(v.cases.map((c) => c.id).slice(0, 3)).toEqual(['liver_0', 'liver_1', 'liver_2']);
    expect(v.cases[10]!.id).toBe('liver_10');
    // The first case of each fold has no tumour in reference or prediction: no Dice, left out.
    expect(cancer.versus[0]!.withoutDice).toEqual(['liver_0', 'liver_6', 'liver_12', 'liver_18', 'liver_24']);
    expect(cancer.versus[0]!.n).toBe(24);
  });

  it('gives the paired difference, its interval and the signed-rank test of B - A', () => {
    expect(v.meanDifference).toBeCloseTo((20 * 1 - 9 * 0.5) / 29, 12);
    expect(v.better).toBe(20);
    expect(v.worse).toBe(9);
    expect(v.equal).toBe(0);
    expect(v.interval!.low).toBeLessThan(v.meanDifference!);
    expect(v.interval!.high).toBeGreaterThan(v.meanDifference!);
    expect(v.wilcoxon).toEqual(signedRankTest(v.cases.map((c) => c.other - c.baseline)));
    expect(v.wilcoxon).toMatchObject({ testable: true, method: 'exact', n: 29 });
    // Cancer is unchanged: every difference zero, no test, and it says why.
    expect(cancer.versus[0]!.wilcoxon).toMatchObject({ testable: false, reason: 'every paired difference is zero' });
    expect(cancer.versus[0]!.equal).toBe(24);
  });

  it('keeps each run’s mean ± std over folds and per-fold Dice from its report', () => {
    const a = A.summary.find((l) => l.name === 'liver')!;
    expect(liver.runs[0]).toMatchObject({ run: 'aaa111', meanPercent: a.meanPercent, stdPercent: a.stdPercent });
    expect(liver.runs[0]!.perFold.map((f) => f.fold)).toEqual([0, 1, 2, 3, 4]);
    expect(liver.runs[0]!.perFold.map((f) => f.dicePercent)).toEqual(a.perFoldPercent);
    expect(comparison.training[0]).toMatchObject({ run: 'aaa111', folds: 5, totalSeconds: A.totalTrainingSeconds, epochs: [40, 40, 40, 40, 40] });
    expect(comparison.training[1]!.epochs).toEqual([37, 37, 37, 37, 37]);
    expect(comparison.training[0]!.meanSamplesPerSecond).toBeCloseTo(4.2, 12);
  });

  it('writes a text block per label that says what was left out', () => {
    const text = comparisonText(comparison);
    expect(text).toContain('liver (label 1)');
    expect(text).toMatch(/bbb222 - aaa111 on 29 shared case\(s\): mean \+0\.53 \[95% CI \+0\.\d\d, \+0\.\d\d\]; Wilcoxon p = [0-9.e-]+ \(exact, n = 29, 29 tied\); better in 20, worse in 9, equal in 0/);
    expect(text).toContain('left out of the paired test: 1 case(s) only in aaa111');
    expect(text).toContain('no Wilcoxon test (every paired difference is zero)');
    expect(text).toContain('10000 resamples, seed 0');
  });

  it('draws a paired dot plot per label: two dots and a segment per shared case', () => {
    const html = comparisonHtml(comparison);
    const plot = html.match(/<svg[^>]*data-plot="paired-1-0"[\s\S]*?<\/svg>/)?.[0] ?? '';
    expect(plot.match(/<circle [^>]*fill-opacity/g)?.length).toBe(2 * 29);
    expect(plot.match(/<path d="M[^"]*"[^>]*stroke="#2ca02c"/g)?.length).toBe(20);
    expect(plot.match(/<path d="M[^"]*"[^>]*stroke="#d62728"/g)?.length).toBe(9);
    expect(html).toContain('Left out of the paired test: 1 case(s) only in aaa111.');
  });
});

describe('report analysis (report.json in committed outputs)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pipe-compare-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const outputs = ([['aaa111', A], ['bbb222', B]] as const).map(([run, r]) => {
    const out = join(dir, run);
    mkdirSync(out);
    writeFileSync(join(out, 'report.json'), JSON.stringify(r));
    return { run, out };
  });

  it('compares the outputs: the same figures as --json, rendered as text and HTML', async () => {
    const analysed = await reportAnalysis.compare(outputs);
    expect(analysed.json).toEqual(JSON.parse(JSON.stringify(comparison)));
    expect(analysed.text).toBe(comparisonText(comparison));
    expect(analysed.html).toBe(comparisonHtml(comparison));
  });

  it('gives a headline: mean Dice ± std per label', async () => {
    const h = await reportAnalysis.headline(outputs[0]!.out);
    const [liver, cancer] = A.summary;
    const two = (x: number | null): string => x!.toFixed(2);
    expect(h?.text).toBe(`Dice liver ${two(liver!.meanPercent)} ± ${two(liver!.stdPercent)}, cancer ${two(cancer!.meanPercent)} ± ${two(cancer!.stdPercent)} (5 folds)`);
    expect(h?.values['dice_liver']).toBe(liver!.meanPercent);
    expect(await reportAnalysis.headline(dir)).toBeUndefined();
  });

  it('names the file and field of a report.json it cannot use', async () => {
    const bad = join(dir, 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, 'report.json'), JSON.stringify({ ...A, folds: [{ fold: 0, perCase: 'x' }] }));
    await expect(reportAnalysis.headline(bad)).rejects.toThrow(`${join(bad, 'report.json')}: Expected an array for folds[0].perCase but received x (string)`);
  });
});

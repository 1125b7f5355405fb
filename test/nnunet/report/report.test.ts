import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildSummary } from '../../../src/nnunet/evaluation/summary.js';
import type { CaseEvaluation } from '../../../src/nnunet/evaluation/types.js';
import { buildReport, caseIdFromPath, sampleStd } from '../../../src/nnunet/report/aggregate.js';
import { checkReportInput } from '../../../src/nnunet/report/check-input.js';
import { renderHtml } from '../../../src/nnunet/report/report-html.js';
import { renderMarkdown } from '../../../src/nnunet/report/report-markdown.js';
import type { Report, ReportInput } from '../../../src/nnunet/report/types.js';
import { writeReport } from '../../../src/nnunet/report/write-report.js';
import { hasPython, runPython } from '../evaluation/python-helper.js';
import { history, reportInput } from './fixtures.js';

/** A fold whose case Dice values are exact: liver tp/fp/fn chosen per case, cancer absent in one case. */
function exactFold(fold: number, liver: readonly [number, number, number][], cancer: readonly ([number, number, number] | null)[]) {
  const cases: CaseEvaluation[] = liver.map(([tp, fp, fn], k) => {
    const c = cancer[k] ?? null;
    const [ctp, cfp, cfn] = c ?? [0, 0, 0];
    return {
      id: `case_${fold}_${k}`,
      test: `/p/case_${fold}_${k}.nii.gz`,
      reference: `/g/case_${fold}_${k}.nii.gz`,
      counts: new Map([
        [1, { tp, fp, fn, tn: 1000 - tp - fp - fn }],
        [2, { tp: ctp, fp: cfp, fn: cfn, tn: 1000 - ctp - cfp - cfn }],
      ]),
    };
  });
  return buildSummary({ name: 'x', task: 'TaskX', timestamp: '2026-01-01 00:00:00' }, cases);
}

// fold 0: liver Dice 1.0 and 0.5 (tp 1, fp 2, fn 0 -> 2/4); cancer 0.8 (tp 2, fp 1, fn 0) and NaN
// fold 1: liver Dice 0.75 (tp 3, fp 2, fn 0 -> 6/8); cancer 0 (missed: tp 0, fn 4)
const EXACT: ReportInput = {
  pipeline: 'p',
  task: 'TaskX',
  labels: { '2': 'cancer', '1': 'liver' },
  folds: [
    { fold: 1, summary: exactFold(1, [[3, 2, 0]], [[0, 0, 4]]), history: history(1, 3) },
    { fold: 0, summary: exactFold(0, [[5, 0, 0], [1, 2, 0]], [[2, 1, 0], null]) },
  ],
  reference: { '1': 90 },
  generatedAt: 'now',
};

describe('buildReport', () => {
  it('computes per-fold means, mean ± std over folds, pooled case mean and delta by hand', () => {
    const r = buildReport({ ...EXACT, labels: { ...EXACT.labels, '0': 'background' } });
    expect(r.folds.map((f) => f.fold)).toEqual([0, 1]); // sorted by fold
    expect(r.summary.map((l) => l.label)).toEqual(['1', '2']); // background is never reported
    const [liver, cancer] = r.summary;
    expect(liver!.label).toBe('1');
    expect(liver!.perFoldPercent).toEqual([75, 75]); // fold 0: (100 + 50) / 2, fold 1: 75
    expect(liver!.meanPercent).toBe(75);
    expect(liver!.stdPercent).toBe(0);
    expect(liver!.pooledPercent).toBeCloseTo((100 + 50 + 75) / 3, 10);
    expect(liver!.deltaPercent).toBe(-15);
    expect(cancer!.name).toBe('cancer');
    expect(cancer!.perFoldPercent[0]).toBeCloseTo(80, 10); // the NaN case is left out
    expect(cancer!.perFoldPercent[1]).toBe(0);
    expect(cancer!.meanPercent).toBeCloseTo(40, 10);
    expect(cancer!.stdPercent).toBeCloseTo(Math.sqrt(2 * 40 ** 2), 10);
    expect(cancer!.pooledPercent).toBeCloseTo(40, 10);
    expect([cancer!.validCases, cancer!.totalCases]).toEqual([2, 3]);
    expect(cancer!.referencePercent).toBeNull();
    expect(r.folds[0]!.perCase[1]).toEqual({ id: 'case_0_1', dicePercent: { '1': 50, '2': null } });
    expect(r.folds[0]!.training).toBeNull();
    expect(r.folds[1]!.training).toMatchObject({ epochs: 3, worldSize: 1, device: 'cpu', samplesPerSecond: 4.1 });
    expect(r.totalTrainingSeconds).toBe(3 * 31);
  });

  it('adds the postprocessed mean ± std when every fold has a postprocessed summary', () => {
    const pp = (fold: number) => exactFold(fold, [[4, 0, 0]], [[1, 1, 0]]); // liver 100, cancer 2/3
    // through the input check, as the report stage calls it
    const r = buildReport(checkReportInput({ ...EXACT, folds: EXACT.folds.map((f) => ({ ...f, postprocessed: pp(f.fold) })) }));
    const [liver, cancer] = r.summary;
    expect(liver!.postprocessedMeanPercent).toBe(100);
    expect(liver!.postprocessedStdPercent).toBe(0);
    expect(cancer!.postprocessedMeanPercent).toBeCloseTo(200 / 3, 10);
    expect(r.folds[0]!.postprocessedDicePercent).toEqual({ '1': 100, '2': expect.closeTo(200 / 3, 10) });
    expect(renderMarkdown(r)).toContain('postprocessed mean ± std');
    // one fold without postprocessing: no postprocessed figures at all
    const partial = buildReport({ ...EXACT, folds: [{ ...EXACT.folds[0]!, postprocessed: pp(1) }, EXACT.folds[1]!] });
    expect(partial.summary[0]!.postprocessedMeanPercent).toBeNull();
    expect(renderMarkdown(partial)).not.toContain('postprocessed mean');
  });

  it('adds the pooled Dice after the cross-validation postprocessing and says what it kept', () => {
    const cvSummary = exactFold(9, [[4, 0, 0], [3, 1, 0]], [[1, 1, 0], [0, 0, 0]]); // liver (100 + 6/7·100)/2, cancer 2/3
    const r = buildReport(checkReportInput({ ...EXACT, crossValidation: { forWhichClasses: [[1, 2], 2], postprocessed: cvSummary } }));
    const [liver, cancer] = r.summary;
    expect(liver!.crossValidationPostprocessedPercent).toBeCloseTo((100 + 600 / 7) / 2, 10);
    expect(cancer!.crossValidationPostprocessedPercent).toBeCloseTo(200 / 3, 10);
    expect(r.crossValidationPostprocessing).toEqual([[1, 2], 2]);
    const md = renderMarkdown(r);
    expect(md).toContain('pooled, CV postprocessed');
    expect(md).toContain('keep the largest connected component of liver (1) + cancer (2) as one object; then of cancer (2)');
    // without it: no column, null figures
    const plain = buildReport(EXACT);
    expect(plain.crossValidationPostprocessing).toBeNull();
    expect(plain.summary[0]!.crossValidationPostprocessedPercent).toBeNull();
    expect(renderMarkdown(plain)).not.toContain('CV postprocessed');
    // a bad decision is named by its field
    expect(() => checkReportInput({ ...EXACT, crossValidation: { forWhichClasses: [0], postprocessed: cvSummary } }))
      .toThrow(/crossValidation\.forWhichClasses\[0\]/);
  });

  it('has helpers that behave', () => {
    expect(caseIdFromPath('/a/b/liver_3.nii.gz')).toBe('liver_3');
    expect(caseIdFromPath('C:\\x\\liver_4.nii')).toBe('liver_4');
    expect(sampleStd([1, 3])).toBe(Math.SQRT2);
    expect(sampleStd([1])).toBeNaN();
  });
});

describe('checkReportInput', () => {
  it('names the field that is wrong', () => {
    const base = reportInput(2, 2);
    const broken = (patch: (x: any) => void) => {
      const v = structuredClone(base) as any;
      patch(v);
      return () => checkReportInput(v);
    };
    expect(broken((v) => delete v.task)).toThrow('Expected a string for task but received undefined (undefined)');
    expect(broken((v) => (v.folds[1].history.epochs[2].trainLoss = 'x'))).toThrow(
      /a number for folds\[1\]\.history\.epochs\[2\]\.trainLoss but received x \(string\)/,
    );
    expect(broken((v) => (v.folds[1].fold = 0))).toThrow(/unique fold numbers for folds\[1\]\.fold/);
    expect(broken((v) => (v.labels = { '3': 'spleen' }))).toThrow(
      /label 3 \(spleen\) in folds\[0\]\.summary\.results\.mean \(fold 0\) but received labels \[0, 1, 2\]/,
    );
    expect(broken((v) => delete v.folds[0].summary.results.mean['1'].Dice)).toThrow(
      /number for results\.mean\["1"\]\["Dice"\] in folds\[0\]\.summary/,
    );
    expect(broken((v) => (v.reference = { '1': 958 }))).toThrow(/Dice percentage in 0\.\.100 for reference\["1"\]/);
    expect(broken((v) => (v.folds = []))).toThrow(/non-empty array for folds/);
  });

  it('accepts histories whose NaN losses came back from JSON as null', () => {
    const v = structuredClone(reportInput(1, 2)) as any;
    v.folds[0].history.epochs[0].valLoss = null;
    expect(checkReportInput(v).folds[0]!.history!.epochs[0]!.valLoss).toBeNaN();
  });
});

describe('writeReport', () => {
  let dir = '';
  let report: Report;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pipe-report-'));
    report = (await writeReport(dir, reportInput())).report;
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes report.json with per-fold Dice for every label, as standard JSON', async () => {
    const json = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as Report;
    expect(json.summary.map((l) => [l.label, l.name])).toEqual([['1', 'liver'], ['2', 'cancer']]);
    for (const f of json.folds) {
      expect(Object.keys(f.dicePercent)).toEqual(['1', '2']);
      expect(f.dicePercent['1']).toBeGreaterThan(90);
      // the fold's first case has no cancer in either: NaN -> null
      expect(f.perCase.find((c) => c.id === `liver_${f.fold * 6}`)!.dicePercent['2']).toBeNull();
      expect(f.training!.epochs).toBe(40);
      expect(f.curves).toHaveLength(40);
    }
    expect(json.summary[0]!.referencePercent).toBe(95.8);
    expect(json.summary[0]!.meanPercent).toBeCloseTo(report.summary[0]!.meanPercent!, 12);
    expect(await readdir(join(dir, 'plots'))).toHaveLength(8);
    expect((await readdir(dir)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('writes report.md with the Dice table, training table, plots and per-case rows', async () => {
    const md = await readFile(join(dir, 'report.md'), 'utf8');
    expect(md).toBe(renderMarkdown(report));
    const liver = report.summary[0]!;
    const row = md.split('\n').find((l) => l.startsWith('| liver (1) |'));
    expect(row).toBe(
      `| liver (1) | ${liver.perFoldPercent.map((d) => d!.toFixed(2)).join(' | ')} | ${liver.meanPercent!.toFixed(2)} ± ${liver.stdPercent!.toFixed(2)} | ${liver.pooledPercent!.toFixed(2)} (30/30) | 95.80 | ${liver.deltaPercent! >= 0 ? '+' : '−'}${Math.abs(liver.deltaPercent!).toFixed(2)} |`,
    );
    expect(md).toContain('| label | fold 0 | fold 1 | fold 2 | fold 3 | fold 4 | mean ± std | pooled (cases) | reference | Δ mean − ref |');
    expect(md).toContain('| fold 2 | 40 | 20m40s | 4.20 | 1 × cpu |');
    expect(md).toContain('![training-fold-3](plots/training-fold-3.svg)');
    expect(md).toContain('(25/30)'); // cancer: 5 cases without cancer anywhere
    expect(md.split('\n').filter((l) => /^\| \d \| liver_\d+ \|/.test(l))).toHaveLength(30);
    expect(md).toContain('UNet++ README, "UNet++ (average)" row');
  });

  it.runIf(hasPython)('writes well-formed SVG files (parsed by Python xml.etree)', async () => {
    const files = (await readdir(join(dir, 'plots'))).map((f) => join(dir, 'plots', f));
    const out = runPython([
      '-c',
      'import sys, xml.etree.ElementTree as ET\nfor f in sys.argv[1:]:\n    r = ET.parse(f).getroot()\n    print(r.get("data-plot"))',
      ...files,
    ]);
    expect(out.trim().split('\n').sort()).toEqual(
      ['dice-per-case-1', 'dice-per-case-2', 'dice-per-fold', ...[0, 1, 2, 3, 4].map((f) => `training-fold-${f}`)].sort(),
    );
  });

  it('fails before writing anything when the input is bad', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'pipe-report-bad-'));
    try {
      await expect(writeReport(empty, { ...reportInput(1, 2), labels: {} })).rejects.toThrow(/at least one foreground label for labels/);
      expect(await readdir(empty)).toEqual([]);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe('a minimal report: one fold, no training history, no reference', () => {
  it('shows n/a where a figure does not exist and draws only the Dice plots', () => {
    const input = reportInput(1, 3);
    const r = buildReport({ ...input, folds: [{ fold: 3, summary: input.folds[0]!.summary }], reference: {}, referenceSource: undefined });
    expect(r.summary[0]!.stdPercent).toBeNull();
    expect(r.summary[0]!.referencePercent).toBeNull();
    const md = renderMarkdown(r);
    expect(md).toMatch(/\| liver \(1\) \| [\d.]+ \| [\d.]+ ± n\/a \| [\d.]+ \(3\/3\) \| n\/a \| n\/a \|/);
    expect(md).toContain('| fold 3 | n/a | n/a |');
    expect(md).not.toContain('training-fold');
    const html = renderHtml(r);
    expect(html).toContain('data-expected-plots="3"');
    expect(html.match(/<svg [^>]*data-plot="/g)).toHaveLength(3);
  });
});

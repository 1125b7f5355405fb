/**
 * The report says when the training departs from the reference recipe (a caveat over the Dice table,
 * each departure with its value and the reference's) and which folds were interrupted and resumed
 * (with the wall time of all attempts), in report.md, report.html and report.json alike.
 */
import { describe, expect, test } from 'vitest';
import { buildReport } from '../../../src/nnunet/report/aggregate.js';
import { checkReportInput } from '../../../src/nnunet/report/check-input.js';
import { renderHtml } from '../../../src/nnunet/report/report-html.js';
import { renderMarkdown } from '../../../src/nnunet/report/report-markdown.js';
import type { ReportInput } from '../../../src/nnunet/report/types.js';
import { recipeDepartures } from '../../../src/nnunet/training/recipe.js';
import { foldAttempts } from '../../../src/nnunet/training/train-record.js';
import { reportInput } from './fixtures.js';

const PLAN = {
  patchSize: [128, 128, 128] as [number, number, number],
  batchSize: 2,
  network: { baseFeatures: 32, maxFeatures: 320 } as never,
};
const REFERENCE_RUN = {
  epochs: 1000, iterationsPerEpoch: 250, patchSize: [128, 128, 128], batchSize: 2, baseFeatures: 32, maxFeatures: 320,
  augmentation: 'full', initialLr: 0.01, oversampleForeground: 0.33, network: 'unetpp',
};
const SHORT_RUN = { ...REFERENCE_RUN, epochs: 3, iterationsPerEpoch: 6, patchSize: [16, 32, 32], baseFeatures: 8, maxFeatures: 64 };

/** The fixture's five folds with train.json's records attached (through the checker, as the stage does). */
function withRecords(edit: (fold: number) => Record<string, unknown>): ReportInput {
  const input = reportInput();
  return checkReportInput({ ...input, folds: input.folds.map((f) => ({ ...f, ...edit(f.fold) })) });
}

describe('departures from the reference recipe', () => {
  test('recipeDepartures lists what differs, value vs reference (the plan\'s for patch, batch, width)', () => {
    expect(recipeDepartures(REFERENCE_RUN, PLAN)).toEqual([]);
    expect(recipeDepartures(SHORT_RUN, PLAN)).toEqual([
      { setting: 'epochs', value: '3', reference: '1000' },
      { setting: 'iterations per epoch', value: '6', reference: '250' },
      { setting: 'patch', value: '[16, 32, 32]', reference: '[128, 128, 128], the plan\'s' },
      { setting: 'network width (base features)', value: '8', reference: '32, the plan\'s' },
      { setting: 'network width (max features)', value: '64', reference: '320, the plan\'s' },
    ]);
    // nnU-Net's U-Net is not the network the reference figures come from.
    expect(recipeDepartures({ ...REFERENCE_RUN, network: 'unet' }, PLAN)).toEqual([{ setting: 'network', value: 'unet', reference: 'unetpp' }]);
  });

  test('a 3-epoch run: the Dice table comes with a caveat listing each departure', () => {
    const report = buildReport(withRecords(() => ({ departures: recipeDepartures(SHORT_RUN, PLAN) })));
    expect(report.recipeDepartures.map((d) => [d.setting, d.value, d.reference, d.folds])).toContainEqual(['epochs', '3', '1000', [0, 1, 2, 3, 4]]);
    const md = renderMarkdown(report);
    const table = md.indexOf('| label |');
    const caveat = md.indexOf('> **Not the reference recipe');
    expect(caveat).toBeGreaterThan(-1);
    expect(caveat).toBeLessThan(table);
    expect(md).toContain('> - epochs: 3 vs 1000\n');
    expect(md).toContain('> - iterations per epoch: 6 vs 250\n');
    expect(md).toContain('> - patch: [16, 32, 32] vs [128, 128, 128], the plan\'s\n');
    expect(md).toContain('> - network width (base features): 8 vs 32, the plan\'s\n');
    const html = renderHtml(report);
    expect(html).toContain('<div class="caveat"><p><b>Not the reference recipe');
    expect(html).toContain('<li>epochs: 3 vs 1000</li>');
  });

  test('a departure of some folds names them; the reference recipe gives no caveat', () => {
    const mixed = buildReport(withRecords((fold) => ({ departures: fold === 2 ? recipeDepartures({ ...REFERENCE_RUN, batchSize: 4 }, PLAN) : [] })));
    expect(renderMarkdown(mixed)).toContain('> - batch: 4 vs 2, the plan\'s (fold 2)\n');
    const clean = renderMarkdown(buildReport(withRecords(() => ({ departures: [] }))));
    expect(clean).not.toContain('reference recipe');
    expect(clean).not.toContain('> ');
  });

  test('folds whose train.json records no recipe are named as not checked', () => {
    const md = renderMarkdown(buildReport(withRecords((fold) => (fold < 3 ? { departures: [] } : {}))));
    expect(md).toContain('> - folds 3, 4: train.json records no recipe (trained by an older version), not checked\n');
  });
});

describe('interrupted and resumed folds', () => {
  const killed = [
    { startedAt: '2026-11-28T10:00:00.000Z', seconds: 600, outcome: 'interrupted' as const },
    { startedAt: '2026-11-28T10:20:00.000Z', seconds: 125, outcome: 'interrupted' as const },
  ];

  test('per fold: resumed after N interrupted attempts; wall time incl. killed attempts', () => {
    const report = buildReport(withRecords((fold) => ({
      departures: [],
      attempts: foldAttempts(fold === 1 ? killed : [], 3000),
    })));
    expect(report.folds.map((f) => f.resumed?.wallSeconds ?? null)).toEqual([null, 3725, null, null, null]);
    const md = renderMarkdown(report);
    expect(md).toContain('- fold 1: resumed after 2 interrupted attempts; wall time incl. killed attempts 1h02m (10m00s + 2m05s + 50m00s for the one that finished)\n');
    expect(md.match(/resumed after/g)).toHaveLength(1);
    expect(renderHtml(report)).toContain('<li>fold 1: resumed after 2 interrupted attempts; wall time incl. killed attempts 1h02m');
  });

  test('a failed attempt is counted as failed', () => {
    const report = buildReport(withRecords(() => ({ attempts: foldAttempts([{ startedAt: '2026-11-28T10:00:00.000Z', seconds: 30, outcome: 'failed' }], 60) })));
    expect(renderMarkdown(report)).toContain('- fold 0: resumed after 1 failed attempt; wall time incl. killed attempts 1m30s');
  });

  test('a malformed attempts record names the field', () => {
    const input = reportInput();
    const bad = { ...input, folds: input.folds.map((f) => ({ ...f, attempts: { earlier: [{ startedAt: 'x', seconds: 1, outcome: 'crashed' }], finalAttemptSeconds: 1, wallSeconds: 2 } })) };
    expect(() => checkReportInput(bad)).toThrow(/Expected "interrupted" or "failed" for folds\[0\]: attempts\.earlier\[0\]\.outcome but received crashed/);
  });
});

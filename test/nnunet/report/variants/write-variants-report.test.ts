/**
 * The report of variants (src/nnunet/report/variants/): each variant's own report in its folder, the top-level
 * files with the comparison compareReports() makes of the variants' reports, and bad input failing before any
 * file is written.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { compareReports } from '../../../../src/nnunet/report/compare/report-comparison.js';
import { writeVariantsReport } from '../../../../src/nnunet/report/variants/write-variants-report.js';
import type { ReportInput } from '../../../../src/nnunet/report/types.js';
import { reportInput } from '../fixtures.js';

const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'pipe-variants-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** The fixture's input with fewer folds, so that the two variants differ in their figures. */
const variants = (): { name: string; matrix: Record<string, string>; input: ReportInput }[] => [
  { name: 'network=unetpp', matrix: { network: 'unetpp' }, input: reportInput(3, 4) },
  { name: 'network=unet/a b', matrix: { network: 'unet/a b' }, input: { ...reportInput(3, 4), folds: reportInput(3, 4).folds.slice(0, 2) } },
];

describe('writeVariantsReport', () => {
  test('each variant’s report in its own folder; the comparison is compareReports() of them', async () => {
    const out = tmp();
    const written = await writeVariantsReport(out, variants());
    // A name with a path separator or a space still gets one folder of its own.
    expect(written.report.variants.map((v) => v.dir)).toEqual(['variants/network=unetpp', 'variants/network=unet_a_b']);
    for (const v of written.report.variants) {
      expect(readdirSync(join(out, v.dir)).sort()).toEqual(['plots', 'report.html', 'report.json', 'report.md']);
    }
    expect(written.report.variants.map((v) => v.folds)).toEqual([3, 2]);
    expect(written.report.comparison).toEqual(compareReports(written.variants.map((r, i) => ({ run: written.report.variants[i]!.name, report: r }))));
    // The second variant validated two of the three folds: the third fold's cases are only in the baseline.
    expect(written.report.comparison.labels[0]?.versus[0]).toMatchObject({ n: 8, onlyBaseline: ['liver_8', 'liver_9', 'liver_10', 'liver_11'] });
    const json = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { variants: unknown[]; comparison: unknown };
    expect(json.comparison).toEqual(JSON.parse(JSON.stringify(written.report.comparison)));
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toMatch(/data-expected-plots="2"/);
  });

  test('a bad variant fails before any file is written, naming the variant', async () => {
    const out = tmp();
    const [good, bad] = variants();
    const broken = { ...bad!, input: { ...bad!.input, folds: [] } };
    await expect(writeVariantsReport(out, [good!, broken])).rejects.toThrow(/^variant network=unet\/a b: /);
    expect(readdirSync(out)).toEqual([]);
    expect(existsSync(join(out, 'variants'))).toBe(false);
  });
});

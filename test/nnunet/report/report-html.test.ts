import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { writeReport } from '../../../src/nnunet/report/write-report.js';
import type { WrittenReport } from '../../../src/nnunet/report/write-report.js';
import { dumpDom, hasChromium, screenshot } from './chromium-helper.js';
import { reportInput } from './fixtures.js';

let dir = '';
let written: WrittenReport;

beforeAll(async () => {
  // PIPE_TEST_KEEP=<dir> keeps the report and screenshot there for a look.
  dir = process.env['PIPE_TEST_KEEP'] ?? (await mkdtemp(join(tmpdir(), 'pipe-report-html-')));
  written = await writeReport(dir, reportInput());
});
afterAll(async () => {
  if (process.env['PIPE_TEST_KEEP'] === undefined) await rm(dir, { recursive: true, force: true });
});

describe('report.html', () => {
  it('is self-contained: inline SVG plots, no external resources', async () => {
    const html = await readFile(written.html, 'utf8');
    // 1 per-fold bar chart + 2 per-case panels (liver, cancer) + 5 training-curve plots
    expect(html.match(/<svg [^>]*data-plot="/g)).toHaveLength(8);
    expect(html).toContain('data-plot="dice-per-fold"');
    expect(html).toContain('data-plot="dice-per-case-2"');
    expect(html).toContain('data-plot="training-fold-4"');
    expect(html).not.toMatch(/<(link|img|iframe)\b|src="http|href="http/);
  });

  it.skipIf(!hasChromium)('renders in headless chromium with every plot drawn and no script errors', async () => {
    const dom = dumpDom(written.html);
    expect(dom).toMatch(/<body[^>]*data-checks="ok"/);
    expect(dom).not.toMatch(/<html[^>]*data-errors=/);
    expect(dom.match(/<svg [^>]*data-plot="/g)).toHaveLength(8);

    const png = join(dir, 'report.png');
    screenshot(written.html, png);
    const bytes = await readFile(png);
    expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect((await stat(png)).size).toBeGreaterThan(50_000); // a blank 1200x1600 page is a few KB
    // PNG IHDR: width and height as requested
    expect(bytes.readUInt32BE(16)).toBe(1200);
    expect(bytes.readUInt32BE(20)).toBe(1600);
  });

  it.skipIf(!hasChromium)('the in-page check fails when a plot is broken (the check can fail)', async () => {
    const html = (await readFile(written.html, 'utf8')).replace(
      /<svg ([^>]*)data-plot="dice-per-fold"/,
      '<svg $1data-plot="dice-per-fold" style="display:none"',
    );
    const broken = join(dir, 'broken.html');
    await writeFile(broken, `${html}<script>undefinedFunction();</script>`);
    const dom = dumpDom(broken);
    expect(dom).toMatch(/data-checks="failed: 8\/8 plots; empty: \[dice-per-fold\]; errors: 1"/);
    expect(dom).toMatch(/<html[^>]*data-errors="[^"]*undefinedFunction/);
  });
});

if (!hasChromium) {
  describe('report.html in chromium', () => {
    it.skip('skipped: /usr/bin/chromium is absent (apt-get install -y chromium)', () => {});
  });
}

/**
 * Writes a report into a folder: report.json, report.md, report.html (self-contained) and
 * plots/*.svg (linked from the markdown). Everything is rendered in memory first, so bad input
 * fails before any file is written; each file is written through a temporary name + rename.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import { buildReport } from './aggregate.js';
import { checkReportInput } from './check-input.js';
import { renderHtml } from './report-html.js';
import { plotFiles, renderMarkdown } from './report-markdown.js';
import { reportPlots } from './report-plots.js';
import type { Report } from './types.js';

export interface WrittenReport {
  readonly report: Report;
  /** Absolute paths of report.json, report.md, report.html. */
  readonly json: string;
  readonly markdown: string;
  readonly html: string;
  readonly plots: readonly string[];
}

/** Writes `text` through a temporary name + rename, so that a reader never sees half a file. */
export async function writeAtomic(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, text, 'utf8');
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Checks `input` (see ReportInput), builds the report and writes its files into `outDir`. */
export async function writeReport(outDir: string, input: unknown): Promise<WrittenReport> {
  return writeBuiltReport(outDir, buildReport(checkReportInput(input)));
}

/** Writes the files of a built report into `outDir`. */
export async function writeBuiltReport(outDir: string, report: Report): Promise<WrittenReport> {
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const markdown = renderMarkdown(report);
  const html = renderHtml(report);
  const plots = reportPlots(report);
  const files = plotFiles(report);
  const svgs = [...plots.dice, ...plots.training].map((p) => {
    const rel = files[p.id];
    if (rel === undefined) throw new Error(`Internal error: no file name for plot ${p.id}`);
    return [join(outDir, rel), p.svg] as const;
  });
  for (const [path, svg] of svgs) await writeAtomic(path, `${svg}\n`);
  const paths = { json: join(outDir, 'report.json'), markdown: join(outDir, 'report.md'), html: join(outDir, 'report.html') };
  await writeAtomic(paths.json, json);
  await writeAtomic(paths.markdown, markdown);
  await writeAtomic(paths.html, html);
  return { report, ...paths, plots: svgs.map(([p]) => p) };
}

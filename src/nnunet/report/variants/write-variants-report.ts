/**
 * The report of a pipeline with variants (matrix axes beside the fold, src/nnunet/stages/variants.ts): each
 * variant's own report in variants/<name>/ (as a pipeline without variants writes it), and at the top a
 * report.json, report.md and report.html with one table per variant and the paired comparison of each variant
 * against the first: compareReports(), the statistics `pipe compare` gives for runs. Every report is built in
 * memory first, so bad input fails before any file is written.
 */
import { join } from 'node:path';
import type { MatrixValue } from '../../../stage-api/types.js';
import { buildReport } from '../aggregate.js';
import { checkReportInput } from '../check-input.js';
import { compareReports } from '../compare/report-comparison.js';
import type { Report, ReportInput } from '../types.js';
import type { VariantsReport } from './types.js';
import { renderVariantsHtml } from './variants-html.js';
import { renderVariantsMarkdown } from './variants-markdown.js';
import { writeAtomic, writeBuiltReport } from '../write-report.js';

/** One variant as the report stage gathers it. */
export interface VariantInput {
  readonly name: string;
  readonly matrix: Readonly<Record<string, MatrixValue>>;
  readonly input: ReportInput;
}

export interface WrittenVariantsReport {
  readonly report: VariantsReport;
  /** Each variant's own report, in the order given. */
  readonly variants: readonly Report[];
  readonly json: string;
  readonly markdown: string;
  readonly html: string;
}

/** A folder name for each variant: its name with what a path cannot hold replaced, made unique. */
function variantDirs(names: readonly string[]): string[] {
  const used = new Set<string>();
  return names.map((name) => {
    const base = name.replace(/[^A-Za-z0-9._=,+-]/g, '_') || 'variant';
    let dir = base;
    for (let i = 2; used.has(dir); i++) dir = `${base}-${i}`;
    used.add(dir);
    return join('variants', dir);
  });
}

export async function writeVariantsReport(outDir: string, variants: readonly VariantInput[]): Promise<WrittenVariantsReport> {
  if (variants.length < 2) throw new Error(`Internal error: a variants report needs two variants or more, received ${variants.length}`);
  const generatedAt = variants[0]?.input.generatedAt ?? new Date().toISOString();
  const reports = variants.map((v) => {
    try {
      return buildReport(checkReportInput({ ...v.input, generatedAt }));
    } catch (err) {
      throw new Error(`variant ${v.name}: ${(err as Error).message}`, { cause: err });
    }
  });
  const dirs = variantDirs(variants.map((v) => v.name));
  const first = reports[0] as Report;
  const report: VariantsReport = {
    pipeline: first.pipeline,
    task: first.task,
    generatedAt,
    labels: first.labels,
    variants: variants.map((v, i) => {
      const r = reports[i] as Report;
      return { name: v.name, matrix: v.matrix, dir: dirs[i] ?? '', folds: r.folds.length, summary: r.summary, totalTrainingSeconds: r.totalTrainingSeconds };
    }),
    comparison: compareReports(reports.map((r, i) => ({ run: variants[i]?.name ?? '', report: r }))),
  };
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const markdown = renderVariantsMarkdown(report, reports);
  const html = renderVariantsHtml(report, reports);
  for (const [i, r] of reports.entries()) await writeBuiltReport(join(outDir, dirs[i] ?? ''), r);
  const paths = { json: join(outDir, 'report.json'), markdown: join(outDir, 'report.md'), html: join(outDir, 'report.html') };
  await writeAtomic(paths.json, json);
  await writeAtomic(paths.markdown, markdown);
  await writeAtomic(paths.html, html);
  return { report, variants: reports, ...paths };
}

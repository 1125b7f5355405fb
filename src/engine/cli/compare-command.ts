/**
 * `pipe compare [FILE] RUN_A RUN_B [RUN...] [--json] [--html OUT]`: runs side by side, the first as
 * the baseline (ids or prefixes from `pipe runs`, `last`, `last~1`). FILE (a .yaml/.yml path) picks
 * the store and the runs `last` counts; without it, ./cache or $PIPE_CACHE and the pipeline of its
 * last run. A thin layer over compareRuns.
 */
import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { compareRuns } from '../api/compare.js';
import { compareHtml } from './compare-html.js';
import { compareText } from './compare-text.js';
import { parse } from './options.js';

const isPipelineFile = (arg: string): boolean => /\.ya?ml$/i.test(arg) && existsSync(arg);

export async function compareCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse('compare', args, { json: { type: 'boolean' }, html: { type: 'string' } });
  const file = positionals[0] !== undefined && isPipelineFile(positionals[0]) ? positionals[0] : undefined;
  const refs = file === undefined ? positionals : positionals.slice(1);
  const comparison = await compareRuns(refs, file === undefined ? {} : { file });
  const html = values['html'] as string | undefined;
  if (html !== undefined) {
    const out = resolve(html);
    await mkdir(dirname(out), { recursive: true });
    const tmp = `${out}.tmp-${process.pid}`;
    await writeFile(tmp, compareHtml(comparison));
    await rename(tmp, out);
  }
  if (values['json']) {
    process.stdout.write(`${JSON.stringify({ ...comparison, analyses: comparison.analyses.map((a) => ({ stage: a.stage, kind: a.kind, ...(a.note !== undefined ? { note: a.note } : {}), ...(a.comparison !== undefined ? { comparison: a.comparison.json } : {}) })), ...(html !== undefined ? { html: resolve(html) } : {}) })}\n`);
    return 0;
  }
  process.stdout.write(`${compareText(comparison, (p) => relative(process.cwd(), p))}\n`);
  if (html !== undefined) process.stdout.write(`page: ${relative(process.cwd(), resolve(html))}\n`);
  return 0;
}

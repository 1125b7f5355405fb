/**
 * Preprocesses every training case of a dataset for one plan configuration, in parallel under a
 * memory budget, resumable case by case: finished cases are written into `<work>/cases/` (each
 * one's .json written last marks it complete), so an interrupted run redoes only unfinished cases;
 * at the end the finished files move into `<out>/cases/`.
 */
import { copyFile, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { CaseSource, DatasetSource } from '../dataset/cases.js';
import type { Fingerprint, Plans } from '../plans/types.js';
import { preprocessCase, stagePlanOf } from './case.js';
import { budgetRefusal, formatGiB, runWithBudget } from './memory.js';
import { caseStorage } from './case-storage.js';
import { estimateCaseBytes } from './estimate.js';
import type { MemoryBudgetChoice } from '../../util/machine-memory.js';

export interface PreprocessOptions {
  readonly configuration: string;
  readonly workers: number;
  /** The budget for the cases in flight (util/machine-memory.ts memoryBudget). */
  readonly memory: MemoryBudgetChoice;
  /** The stage's id, for the refusal's advice (default `preprocess`). */
  readonly stage?: string;
  /** Threads per native call (per case). */
  readonly threads: number;
  /** Keep finished cases found in `workDir` (an interrupted attempt of the same key). */
  readonly resume: boolean;
  readonly workDir: string;
  readonly outDir: string;
  readonly onCase?: (done: number, total: number, id: string, resumed: boolean) => void;
  readonly log?: (message: string) => void;
  readonly signal?: AbortSignal;
}

export interface PreprocessSummary {
  readonly cases: number;
  readonly resumed: number;
  readonly processed: number;
  readonly peakEstimateBytes: number;
}

async function moveFile(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    await copyFile(from, to);
    await rm(from);
  }
}

/** Cases whose three files are complete in `dir`; every other file there is removed. */
async function finishedCases(dir: string, ids: readonly string[]): Promise<Set<string>> {
  const done = new Set<string>();
  const names = new Set(await readdir(dir));
  for (const id of ids) {
    if (names.has(`${id}.json`) && names.has(`${id}.data.npy`) && names.has(`${id}.seg.npy`)) done.add(id);
  }
  for (const name of names) {
    const id = name.replace(/\.(json|data\.npy|seg\.npy)$/, '');
    if (!done.has(id)) await rm(join(dir, name), { force: true, recursive: true });
  }
  return done;
}

export async function preprocessDataset(source: DatasetSource, plans: Plans, fingerprint: Fingerprint,
  options: PreprocessOptions): Promise<PreprocessSummary> {
  const stage = stagePlanOf(plans, options.configuration);
  const workCases = join(options.workDir, 'cases');
  if (!options.resume) await rm(workCases, { recursive: true, force: true });
  await mkdir(workCases, { recursive: true });
  const done = await finishedCases(workCases, source.cases.map((c) => c.id));

  const byId = new Map(fingerprint.cases.map((c) => [c.id, c]));
  const budget = options.memory;
  const remaining: { source: CaseSource; bytes: number }[] = [];
  const tooBig: { line: string; bytes: number }[] = [];
  for (const c of source.cases) {
    if (done.has(c.id)) continue;
    const fp = byId.get(c.id);
    if (!fp) throw new Error(`case ${c.id} is in the dataset but not in the plan's fingerprint: rerun plan on this dataset`);
    const bytes = estimateCaseBytes(fp, plans, stage, await caseStorage(c));
    if (bytes > budget.bytes) tooBig.push({ line: `case ${c.id} needs an estimated ${formatGiB(bytes)} (shape ${fp.shape.join('x')})`, bytes });
    remaining.push({ source: c, bytes });
  }
  if (tooBig.length > 0) throw budgetRefusal(options.stage ?? 'preprocess', budget, tooBig);
  const alone = remaining.filter((t) => t.bytes > budget.share).length;
  options.log?.(
    `${budget.describe} for ${options.workers} worker(s), ${formatGiB(budget.share)} each` +
      (alone > 0 ? `; ${alone} case(s) estimated above a share run alone` : ''),
  );
  const total = source.cases.length;
  let count = done.size;
  if (done.size > 0) options.log?.(`resuming: ${done.size} of ${total} cases already done`);
  for (const id of done) options.onCase?.(count, total, id, true);
  await runWithBudget(
    remaining.map((t) => ({
      bytes: t.bytes,
      run: async () => {
        options.signal?.throwIfAborted();
        await preprocessCase(t.source, plans, options.configuration, workCases, { threads: options.threads });
        options.onCase?.(++count, total, t.source.id, false);
      },
    })),
    options.workers,
    budget,
    options.signal,
  );
  const outCases = join(options.outDir, 'cases');
  await mkdir(outCases, { recursive: true });
  for (const c of source.cases) {
    for (const suffix of ['.data.npy', '.seg.npy', '.json']) await moveFile(join(workCases, c.id + suffix), join(outCases, c.id + suffix));
  }
  return {
    cases: total,
    resumed: done.size,
    processed: remaining.length,
    peakEstimateBytes: remaining.reduce((m, t) => Math.max(m, t.bytes), 0),
  };
}

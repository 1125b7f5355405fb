/**
 * The per-case run options that plan and preprocess share: workers and memory budget from `with`,
 * intra-op threads split among the workers, and per-case progress reported to the engine.
 */
import { availableParallelism } from 'node:os';
import type { StageContext } from '../../stage-api/types.js';

export interface CaseRunOptions {
  readonly workers: number;
  readonly memoryGb: number;
  readonly threads: number;
  readonly signal: AbortSignal;
  readonly workDir: string;
  readonly resume: boolean;
  readonly onCase: (done: number, total: number, id: string, resumed: boolean) => void;
}

export function caseRunOptions(ctx: StageContext<unknown>, w: { readonly workers: number; readonly memory_gb: number }): CaseRunOptions {
  const workers = w.workers;
  return {
    workers,
    memoryGb: w.memory_gb,
    threads: Math.max(1, Math.floor(availableParallelism() / workers)),
    signal: ctx.signal,
    workDir: ctx.work,
    resume: ctx.resume,
    onCase: (done, total, id, resumed) =>
      ctx.report.progress({ done, total, unit: 'case', message: `case ${id}${resumed ? ' (done before)' : ''}` }),
  };
}

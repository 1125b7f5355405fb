/**
 * The per-case run options that plan and preprocess share: workers and memory budget from `with`
 * (memory_gb null: from the machine, see util/machine-memory.ts), intra-op threads split among the
 * workers, and per-case progress reported to the engine.
 */
import { availableParallelism } from 'node:os';
import { memoryBudget, type MemoryBudgetChoice } from '../../util/machine-memory.js';
import type { StageContext } from '../../stage-api/types.js';

export interface CaseRunOptions {
  readonly workers: number;
  readonly memory: MemoryBudgetChoice;
  readonly stage: string;
  readonly threads: number;
  readonly signal: AbortSignal;
  readonly workDir: string;
  readonly resume: boolean;
  readonly onCase: (done: number, total: number, id: string, resumed: boolean) => void;
}

export function caseRunOptions(ctx: StageContext<unknown>, w: { readonly workers: number; readonly memory_gb?: number | null }): CaseRunOptions {
  const workers = w.workers;
  return {
    workers,
    memory: memoryBudget(w.memory_gb, workers),
    stage: ctx.stage,
    threads: Math.max(1, Math.floor(availableParallelism() / workers)),
    signal: ctx.signal,
    workDir: ctx.work,
    resume: ctx.resume,
    onCase: (done, total, id, resumed) =>
      ctx.report.progress({ done, total, unit: 'case', message: `case ${id}${resumed ? ' (done before)' : ''}` }),
  };
}

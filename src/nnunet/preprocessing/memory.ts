/**
 * Memory budget for cases processed in parallel (plan, preprocess): a scheduler that starts a case
 * only when its estimate (estimate.ts) fits next to the running ones, and the refusal of a case that
 * cannot fit at all.
 */
import { formatGiB, type MemoryBudgetChoice } from '../../util/machine-memory.js';

export { formatGiB };

/**
 * The error for cases whose estimate exceeds the whole budget, naming where the setting goes:
 * `stage: memory_gb = 8 is too small:\n  case ... needs an estimated ...\n<where to set it>`.
 */
export function budgetRefusal(stage: string, budget: MemoryBudgetChoice, tooBig: readonly { line: string; bytes: number }[]): Error {
  const need = Math.ceil(Math.max(...tooBig.map((t) => t.bytes)) / 2 ** 30);
  const where =
    `set memory_gb (GiB) in the \`with:\` of stage \`${stage}\` (with: {memory_gb: ${need}}), or through a param passed ` +
    `there (pipelines/task003_5fold.yaml: --set params.memory_gb=${need}); memory_gb: null takes it from the machine`;
  const advice = budget.fromMachine
    ? `this machine cannot hold the case: run the stage on one with more memory, or, if you know it fits, ${where}`
    : `raise memory_gb (or run on a machine with more memory): ${where}`;
  return new Error(`${stage}: ${budget.describe} is too small:\n  ${tooBig.map((t) => t.line).join('\n  ')}\n${advice}`);
}

/**
 * Runs tasks in the given order with at most `workers` at once and the sum of running estimates <=
 * `budget.bytes`; a task estimated above its worker's share (`budget.share`) runs alone: it waits for
 * the running ones to finish and nothing starts beside it. A task that does not fit waits (later ones
 * wait behind it). Stops starting new tasks after the first failure, waits for the running ones, then
 * rethrows that failure. Callers refuse tasks above `budget.bytes` beforehand.
 */
export async function runWithBudget<T>(tasks: readonly { bytes: number; run: () => Promise<T> }[], workers: number,
  budget: { readonly bytes: number; readonly share: number }, signal?: AbortSignal): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  let used = 0;
  let running = 0;
  let alone = false;
  let failure: unknown;
  let failed = false;
  return new Promise<T[]>((resolve, reject) => {
    const pump = (): void => {
      if (failed || signal?.aborted) {
        if (!failed) {
          failed = true;
          failure = signal?.reason ?? new Error('aborted');
        }
        if (running === 0) reject(failure);
        return;
      }
      if (next >= tasks.length && running === 0) {
        resolve(results);
        return;
      }
      while (next < tasks.length && running < workers && !alone) {
        const task = tasks[next] as { bytes: number; run: () => Promise<T> };
        const big = task.bytes > budget.share;
        if (running > 0 && (big || used + task.bytes > budget.bytes)) break;
        const index = next++;
        running++;
        used += task.bytes;
        alone = big;
        task.run().then(
          (r) => {
            results[index] = r;
          },
          (error: unknown) => {
            if (!failed) {
              failed = true;
              failure = error;
            }
          },
        ).finally(() => {
          running--;
          used -= task.bytes;
          if (big) alone = false;
          pump();
        });
      }
    };
    pump();
  });
}

/**
 * Memory budget for preprocessing cases in parallel: an upper estimate of one case's peak bytes from
 * its fingerprint (no file read needed), and a scheduler that starts a case only when its estimate
 * fits next to the running ones.
 */
import type { CaseFingerprint, Plans, StagePlan } from '../plans/types.js';
import { resamplePlan } from './resample-plan.js';
import { formatGiB, type MemoryBudgetChoice } from '../../util/machine-memory.js';

const MiB = 1 << 20;
const prod = (s: readonly number[]) => s.reduce((p, v) => p * v, 1);

/**
 * Peak bytes of preprocessCase for one case, counted generously: the source voxels as read (up to 8
 * bytes each) and as float32 per channel plus the label; the cropped channels, label and mask; the
 * resampler's input copy and two pass buffers; the outputs and the class-location index list; plus
 * a fixed allowance for the runtime.
 */
export function estimateCaseBytes(c: CaseFingerprint, plans: Plans, stage: StagePlan): number {
  const channels = plans.numInputChannels;
  const tf = plans.transposeForward;
  const cropped = tf.map((a) => c.croppedShape[a] as number);
  const spacing = tf.map((a) => c.spacing[a] as number);
  const out = resamplePlan(cropped, spacing, stage.spacing, plans.anisotropyThreshold).newShape;
  const n0 = prod(c.shape);
  const nc = prod(c.croppedShape);
  const n1 = prod(out);
  return Math.ceil(
    n0 * (channels * (8 + 4) + 8 + 1) +
      nc * (channels * 4 + 2) +
      nc * 4 + 2 * Math.max(nc, n1) * 4 +
      n1 * (channels * 4 + 1 + 4) +
      64 * MiB,
  );
}

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

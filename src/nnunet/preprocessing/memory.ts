/**
 * Memory budget for preprocessing cases in parallel: an upper estimate of one case's peak bytes from
 * its fingerprint (no file read needed), and a scheduler that starts a case only when its estimate
 * fits next to the running ones.
 */
import type { CaseFingerprint, Plans, StagePlan } from '../plans/types.js';
import { resamplePlan } from './resample-plan.js';

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

export function formatGiB(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
}

/**
 * Runs tasks with at most `workers` at once and the sum of running estimates <= `budget`, in the
 * given order (a task that does not fit waits for running ones to finish). Stops starting new tasks
 * after the first failure, waits for the running ones, then rethrows that failure.
 */
export async function runWithBudget<T>(tasks: readonly { bytes: number; run: () => Promise<T> }[], workers: number,
  budget: number, signal?: AbortSignal): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  let used = 0;
  let running = 0;
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
      while (next < tasks.length && running < workers) {
        const task = tasks[next] as { bytes: number; run: () => Promise<T> };
        if (running > 0 && used + task.bytes > budget) break;
        const index = next++;
        running++;
        used += task.bytes;
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
          pump();
        });
      }
    };
    pump();
  });
}

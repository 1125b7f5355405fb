/**
 * Step 3 of an attempt, once it ended: clean up (its placement, the held-back progress, the context file),
 * then decide. Interrupted: the staging folder goes. Otherwise the failure is the backend's word first (it
 * could not start, timed out, the cluster ended the job), else the exit status, else the declared outputs
 * it left unwritten; without one the staging folder is committed (commit last: the store renames it, then
 * writes the marker). A failed attempt leaves no staging folder, and its workspace only if something in it
 * can be resumed.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Failure } from '../log/events.js';
import type { KeyedInstance } from '../resolve/keys.js';
import { removeTree } from '../../util/fs.js';
import type { PreparedAttempt } from './attempt-prepare.js';
import type { Execution } from './execution.js';
import type { AttemptResult, RunningAttempt } from './launch/types.js';
import type { ProgressRelay } from './progress-relay.js';
import { dropEmptyWorkspace } from './workspace.js';

export type Settled =
  | { readonly outcome: 'ran' }
  | { readonly outcome: 'interrupted' }
  | { readonly outcome: 'failed'; readonly failure: Failure };

/** Why the attempt failed, or undefined when its output may be committed. */
export function attemptFailure(p: Pick<PreparedAttempt, 'out' | 'outputs'>, result: AttemptResult): Failure | undefined {
  if (result.failure !== undefined) return result.failure;
  if (result.exitCode !== 0) {
    // No exit code means a signal ended it (String: a backend that knows neither says so as `null`, as before).
    return result.exitCode === null ? { reason: 'signal', signal: String(result.signal) } : { reason: 'exit-non-zero', exitCode: result.exitCode };
  }
  const missing = p.outputs.filter((f) => !existsSync(join(p.out, f)));
  return missing.length > 0 ? { reason: 'outputs-missing', missing } : undefined;
}

export async function settleAttempt(ex: Execution, inst: KeyedInstance, p: PreparedAttempt, run: RunningAttempt, relay: ProgressRelay, result: AttemptResult): Promise<Settled> {
  const { store } = ex.o;
  ex.running.delete(run);
  p.placement.release();
  relay.flush();
  removeTree(`${p.out}.context.json`);
  const discard = (): void => {
    removeTree(p.out);
    dropEmptyWorkspace(p.work);
  };
  if (ex.interrupted) {
    discard();
    return { outcome: 'interrupted' };
  }
  // Ended by the run's own crash: its exit status says nothing about the stage.
  const crashed = result.terminated ? ex.crashFailure() : undefined;
  if (crashed !== undefined) {
    discard();
    return { outcome: 'failed', failure: crashed };
  }
  // A detached job commits its own output (commit-job.ts); an attached one finds it committed.
  if (result.failure === undefined && store.committed(inst.key)) return { outcome: 'ran' };
  const failure = attemptFailure(p, result);
  if (failure === undefined) {
    await store.commit(inst.key, inst.name, p.out);
    return { outcome: 'ran' };
  }
  discard();
  return { outcome: 'failed', failure };
}

/**
 * One instance's attempts, up to `retry + 1`: each is prepared (attempt-prepare.ts), started or attached to
 * (attempt-start.ts) and settled (attempt-settle.ts). An attempt that an earlier run left open is the first
 * one, attached to and never started again. With `detach`, the instance ends as `submitted` once its attempt
 * outlives pipe.
 */
import type { Failure } from '../log/events.js';
import { failureText } from '../log/failure-text.js';
import { logExcerpt } from '../log/log-excerpt.js';
import type { KeyedInstance } from '../resolve/keys.js';
import type { Grant } from './admission.js';
import { prepareAttempt } from './attempt-prepare.js';
import { settleAttempt } from './attempt-settle.js';
import { startOrAttach } from './attempt-start.js';
import type { Execution, TaskOutcome } from './execution.js';
import { ProgressRelay } from './progress-relay.js';

export async function runAttempts(ex: Execution, inst: KeyedInstance, grant: Grant): Promise<TaskOutcome> {
  const { o } = ex;
  const open = o.reattach?.open.get(inst.key);
  const started = open !== undefined ? Date.parse(open.time) : Date.now();
  const first = open?.attempt ?? 1;
  const attempts = Math.max(inst.stage.retry + 1, first);
  let last: { failure: Failure; log: string; exitCode: number | null } | undefined;
  let tried = 0;
  for (let attempt = first; attempt <= attempts; attempt++) {
    if (ex.stopping && (ex.interrupted || !o.keepGoing || ex.internalError !== undefined)) break;
    tried = attempt;
    const adopting = attempt === first ? open : undefined;
    if (adopting !== undefined && o.detach) {
      ex.submitted.set(inst.name, adopting.jobId);
      return 'submitted';
    }
    const p = await prepareAttempt(ex, inst, grant, attempt, attempts, adopting);
    const relay = new ProgressRelay(ex, inst);
    const run = await startOrAttach(ex, inst, grant, p, relay);
    if (o.detach && run.jobId !== undefined) {
      ex.running.delete(run);
      ex.submitted.set(inst.name, run.jobId);
      o.logger.info?.(`${inst.name}: submitted as ${run.jobLabel ?? run.jobId}`);
      return 'submitted';
    }
    // Interrupted (or crashed) while it started: it was not among the running attempts that got terminated.
    if (ex.interrupted || ex.internalError !== undefined) void run.terminate();
    const result = await run.done;
    const settled = await settleAttempt(ex, inst, p, run, relay, result);
    const durationMs = Date.now() - started;
    if (settled.outcome === 'interrupted') return ex.finish(inst, 'interrupted', { durationMs, log: p.log, attempts: attempt });
    if (settled.outcome === 'ran') return ex.finish(inst, 'ran', { durationMs, attempts: attempt, log: p.log, out: o.store.objectDir(inst.key), exitCode: 0 });
    last = { failure: settled.failure, log: p.log, exitCode: result.exitCode };
    if (attempt < attempts) o.logger.info?.(`${inst.name}: attempt ${attempt}/${attempts} failed (${failureText(settled.failure)}); retrying`);
  }
  if (last === undefined) return ex.finish(inst, 'skipped', { failure: { reason: 'stopped', cause: 'before-start' } });
  return ex.finish(inst, 'failed', {
    durationMs: Date.now() - started, attempts: tried, exitCode: last.exitCode, failure: last.failure, log: last.log, tail: logExcerpt(last.log),
  });
}

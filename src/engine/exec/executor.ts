/**
 * The executor: runs a keyed pipeline's instances in dependency order under admission control (job slots +
 * device ids), with retries, timeouts, keep-going, and clean interruption. Every state change is
 * journalled before the engine relies on it; outputs are committed atomically by the store. This file is
 * the task graph; an instance's attempts are run-attempts.ts, and where an attempt runs is the backend's
 * (launch/types.ts): the executor never names one.
 */
import type { Outcome } from '../cache/journal.js';
import { checkHit } from '../cache/hit.js';
import { RebuildInputs } from '../cache/rebuild-inputs.js';
import type { Failure } from '../log/events.js';
import type { KeyedInstance } from '../resolve/keys.js';
import { clusterGrant, type Grant } from './admission.js';
import { Execution, type ExecuteOptions, type TaskOutcome } from './execution.js';
import { runAttempts } from './run-attempts.js';

export type { ExecuteOptions };

export interface ExecuteResult {
  readonly outcomes: ReadonlyMap<string, Outcome>;
  readonly interrupted: boolean;
  /** Instances left running as jobs (`detach`), with their job ids. */
  readonly submitted: ReadonlyMap<string, string>;
  /** A bug that surfaced during the run, which stopped it (the run fails). */
  readonly internalError?: Error;
}

const EARLIER_FAILURE: Failure = { reason: 'stopped', cause: 'earlier-failure' };
const BEFORE_START: Failure = { reason: 'stopped', cause: 'before-start' };

export async function execute(o: ExecuteOptions): Promise<ExecuteResult> {
  const { keyed, store, logger } = o;
  const ex = new Execution(o);
  const selected = new Set(keyed.instances.map((i) => i.name));
  const inputs = new RebuildInputs(store, new Date());
  const onAbort = (): void => ex.interrupt();
  if (o.signal?.aborted) onAbort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  // While stages run, an error thrown where no caller catches it (an event handler, a forgotten promise) would
  // end pipe on the spot and leave their process groups (or jobs) running and the store locked: stop instead.
  const onCrash = (error: unknown): void => ex.crash(error);
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);

  /** Devices for an instance: pipe's admission, or the backend's scheduler (a cluster, an attempt left open). */
  const acquire = (inst: KeyedInstance): Promise<Grant> => {
    const { device, devices } = inst.stage.resources;
    const kind = device ?? (devices > 0 ? o.defaultKind : 'cpu');
    return ex.backend.grantsDevices || o.reattach?.open.has(inst.key) ? Promise.resolve(clusterGrant(kind, devices)) : o.admission.acquire(kind, devices);
  };

  const tasks = new Map<string, Promise<TaskOutcome>>();
  const runTask = async (inst: KeyedInstance): Promise<TaskOutcome> => {
    const needs = inst.needs.filter((n) => selected.has(n));
    const deps = await Promise.all(needs.map((n) => tasks.get(n) ?? Promise.resolve<TaskOutcome>('failed')));
    const badIdx = deps.findIndex((d) => d !== 'ran' && d !== 'cached' && d !== 'submitted');
    const bad = deps[badIdx];
    if (bad !== undefined && bad !== 'submitted') {
      if (ex.interrupted) return 'interrupted';
      return ex.finish(inst, 'skipped', { failure: { reason: 'upstream-failed', upstream: needs[badIdx] ?? '', upstreamOutcome: bad } });
    }
    const hit = await checkHit(store, inst.key);
    if (hit.state === 'hit') return ex.finish(inst, 'cached', { out: store.objectDir(inst.key) });
    if (hit.state === 'damaged') logger.info?.(`${inst.name}: its committed object ${inst.key.slice(0, 12)} is damaged (${hit.why}); removed, rebuilding`);
    if (ex.interrupted) return 'interrupted';
    const damaged = await inputs.damaged(inst.needs.flatMap((n) => keyed.byName.get(n)?.key ?? []));
    if (damaged.length > 0) return ex.finish(inst, 'failed', { failure: { reason: 'inputs-damaged', inputs: damaged } });
    if (ex.stopping) return ex.finish(inst, 'skipped', { failure: EARLIER_FAILURE });
    store.recordMaterial(inst.key, inst.material);
    let grant: Grant;
    try {
      grant = await acquire(inst);
    } catch {
      return ex.interrupted ? 'interrupted' : ex.finish(inst, 'skipped', { failure: BEFORE_START });
    }
    try {
      if (ex.stopping && !ex.interrupted && (!o.keepGoing || ex.internalError !== undefined)) return ex.finish(inst, 'skipped', { failure: EARLIER_FAILURE });
      if (ex.interrupted) return 'interrupted';
      const outcome = await runAttempts(ex, inst, grant);
      if (outcome === 'failed' && !o.keepGoing) ex.stopping = true;
      return outcome;
    } catch (error) {
      if (!o.keepGoing) ex.stopping = true;
      return ex.finish(inst, 'failed', { failure: { reason: 'internal-error', message: (error as Error).stack ?? String(error) } });
    } finally {
      grant.release();
    }
  };
  for (const inst of keyed.instances) tasks.set(inst.name, runTask(inst));
  try {
    await Promise.all(tasks.values());
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
  }
  return { outcomes: ex.outcomes, interrupted: ex.interrupted, submitted: ex.submitted, ...(ex.internalError !== undefined ? { internalError: ex.internalError } : {}) };
}

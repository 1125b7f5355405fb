/**
 * After a runner died (kill -9, power loss), its stage process groups may still run. A new runner,
 * once it holds the lock, finds every instance-start without an end in runs that never finished,
 * ends those process groups (matching pid and start time, so a reused pid is left alone), and closes
 * the dead runs in the journal as interrupted. Slurm jobs are left alone and open (see slurm/open-jobs.ts).
 */
import type { Journal, JournalRecord } from '../cache/journal.js';
import { isProcessAlive } from '../../util/process-info.js';
import type { Failure } from '../log/events.js';
import { failureText } from '../log/failure-text.js';
import { endGroup } from './attempt.js';

const RUNNER_DIED: Failure = { reason: 'stopped', cause: 'runner-died' };

export interface SweptInstance {
  readonly run: string;
  readonly stage: string;
  readonly pid: number;
  readonly killed: boolean;
}

export async function sweepLeftovers(journal: Journal, graceMs: number, records: readonly JournalRecord[] = journal.read(), onlyRun?: string): Promise<SweptInstance[]> {
  const ended = new Set<string>();
  const open = new Map<string, Extract<JournalRecord, { t: 'instance-start' }>>();
  const runsOpen = new Set<string>();
  for (const r of records) {
    if (onlyRun !== undefined && r.run !== onlyRun) continue;
    if (r.t === 'run-start') runsOpen.add(r.run);
    else if (r.t === 'run-end') runsOpen.delete(r.run);
    else if (r.t === 'instance-start') open.set(`${r.run}|${r.stage}`, r);
    else if (r.t === 'instance-end') {
      open.delete(`${r.run}|${r.stage}`);
      ended.add(`${r.run}|${r.stage}`);
    }
  }
  const swept: SweptInstance[] = [];
  const now = new Date().toISOString();
  for (const r of open.values()) {
    if (!runsOpen.has(r.run)) continue;
    // A Slurm job is no process of this machine and outlives its runner on purpose: the next run attaches to it.
    if (r.jobId !== undefined) continue;
    const alive = r.pid > 0 && isProcessAlive(r.pid, r.pidStart);
    if (alive) await endGroup(r.pid, graceMs);
    swept.push({ run: r.run, stage: r.stage, pid: r.pid, killed: alive });
    journal.append({ t: 'instance-end', run: r.run, time: now, stage: r.stage, key: r.key, outcome: 'interrupted', error: failureText(RUNNER_DIED), failure: RUNNER_DIED, log: r.log });
  }
  for (const run of runsOpen) journal.append({ t: 'run-end', run, time: now, exitCode: 137 });
  return swept;
}

/**
 * Slurm jobs that a run submitted and nobody has finished with: for each key, its latest instance-start (any
 * run) when that start carries a job id and no instance-end for the key came after it. Such a job belongs to
 * a runner that died (kill -9, a lost SSH session) or detached; the next run attaches to it instead of
 * submitting the key again, so one key never has two live jobs.
 */
import { basename } from 'node:path';
import type { StageKey } from '../../cache/brands.js';
import type { JournalRecord } from '../../cache/journal.js';

export type OpenJob = Extract<JournalRecord, { t: 'instance-start' }> & { readonly jobId: string; readonly out: string };

export function openJobs(records: readonly JournalRecord[]): Map<StageKey, OpenJob> {
  const latest = new Map<StageKey, Extract<JournalRecord, { t: 'instance-start' }> | undefined>();
  for (const r of records) {
    if (r.t === 'instance-start') latest.set(r.key, r);
    else if (r.t === 'instance-end') latest.set(r.key, undefined);
  }
  const open = new Map<StageKey, OpenJob>();
  for (const [key, r] of latest) if (r?.jobId !== undefined && r.out !== undefined) open.set(key, r as OpenJob);
  return open;
}

/**
 * Whether an entry of the store's tmp/ belongs to an open job: its staging folder, or a file beside it
 * (`<out>.context.json`, `<out>.seen`). Run start-up and gc clear tmp/ but must leave these alone.
 */
export function usedByOpenJob(open: ReadonlyMap<StageKey, OpenJob>): (tmpEntry: string) => boolean {
  const outs = [...open.values()].map((j) => basename(j.out));
  return (name) => outs.some((u) => name === u || name.startsWith(`${u}.`));
}

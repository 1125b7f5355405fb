/**
 * Slurm's silence, as the runner saw it: `<store>/state/slurm-silent.json` says since when its polls have had
 * no answer (slurmctld down or restarting). `pipe status` is another process; its own squeue fails as well, but
 * only the runner knows since when. Written when a silence begins, removed when Slurm answers again and when
 * the runner stops following its jobs; a record whose runner is gone is ignored.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { removeTree, writeFileAtomic } from '../../../util/fs.js';
import { isProcessAlive, processStartTime } from '../../../util/process-info.js';

export interface SlurmSilence {
  /** ISO time of the first poll that got no answer. */
  readonly since: string;
  /** What the last such poll said (`squeue: Unable to contact slurm controller (connect failure)`). */
  readonly error: string;
  readonly pid: number;
  readonly pidStart?: string;
  readonly host: string;
}

const path = (storeRoot: string): string => join(storeRoot, 'state', 'slurm-silent.json');

export function recordSilence(storeRoot: string, since: Date, error: string): void {
  const pidStart = processStartTime(process.pid);
  const record: SlurmSilence = { since: since.toISOString(), error, pid: process.pid, ...(pidStart !== undefined ? { pidStart } : {}), host: hostname() };
  try {
    writeFileAtomic(path(storeRoot), JSON.stringify(record));
  } catch {
    /* status then says less; the run goes on */
  }
}

export function clearSilence(storeRoot: string): void {
  removeTree(path(storeRoot));
}

/** The silence a live runner recorded, if any (a runner on another host is taken as live). */
export function readSilence(storeRoot: string): SlurmSilence | undefined {
  let record: SlurmSilence;
  try {
    record = JSON.parse(readFileSync(path(storeRoot), 'utf8')) as SlurmSilence;
  } catch {
    return undefined;
  }
  if (record.host === hostname() && !isProcessAlive(record.pid, record.pidStart)) return undefined;
  return record;
}

/** `19:54:03` in local time (the day too when it is not today). */
export function clockTime(iso: string, now = new Date()): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const two = (n: number): string => String(n).padStart(2, '0');
  const time = `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
  return d.toDateString() === now.toDateString() ? time : `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${time}`;
}

/** The words status and the run's output use for it. */
export function silenceText(since: string, error: string): string {
  return `slurmctld not answering since ${clockTime(since)} (${error})`;
}

/**
 * The earlier attempts of one key, read from the journal: what a resumed attempt continues. Counted
 * from the key's last commit (an object removed by gc and rebuilt starts a new history). An attempt's
 * end is its `instance-end` record; a retry within one run has none (the run journals one end per
 * instance), so it ends where the next attempt of the same run starts, or `now` for the attempt that
 * just failed; a runner that died ends at the last progress the attempt journalled.
 */
import type { JournalRecord } from './journal.js';
import type { EarlierAttempt } from '../../stage-api/types.js';

/** The error exec/sweep.ts records for an instance whose runner died. */
const RUNNER_DIED = 'the runner died while this instance ran';

interface Open {
  readonly startedAt: string;
  lastSeen?: string;
}

const seconds = (from: string, to: string): number => Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000);

export function earlierAttempts(records: readonly JournalRecord[], key: string, now: Date = new Date()): EarlierAttempt[] {
  let done: EarlierAttempt[] = [];
  const open = new Map<string, Open>(); // by run + instance
  const close = (id: string, end: string, outcome: EarlierAttempt['outcome']): void => {
    const a = open.get(id);
    if (a === undefined) return;
    open.delete(id);
    done.push({ startedAt: a.startedAt, seconds: seconds(a.startedAt, end), outcome });
  };
  for (const r of records) {
    if (r.t === 'run-start' || r.t === 'run-end' || r.key !== key) continue;
    const id = `${r.run}|${r.stage}`;
    if (r.t === 'instance-start') {
      close(id, r.time, 'failed');
      open.set(id, { startedAt: r.time });
    } else if (r.t === 'progress' || r.t === 'metrics') {
      const a = open.get(id);
      if (a !== undefined) a.lastSeen = r.time;
    } else if (r.outcome === 'ran') {
      open.delete(id);
      done = [];
    } else if (r.outcome === 'failed' || r.outcome === 'interrupted') {
      const end = r.error === RUNNER_DIED ? (open.get(id)?.lastSeen ?? r.time) : r.time;
      close(id, end, r.outcome);
    }
  }
  for (const id of [...open.keys()]) close(id, now.toISOString(), 'failed');
  return done.sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
}

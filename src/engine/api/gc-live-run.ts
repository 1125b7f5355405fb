/**
 * The keys a run in progress uses (the objects it found cached and reads, the workspaces and objects
 * of the instances it started), read from the journal: the last run-start of the lock holder's pid
 * on its host, and every instance record of that run. A holder on another host, or one whose run-start is not (yet) journalled, gives
 * no keys; gc's dry run then still leaves tmp/ alone.
 */
import type { JournalRecord } from '../cache/journal.js';
import type { LockHolder } from '../cache/lock.js';

export function liveRunKeys(records: readonly JournalRecord[], holder: LockHolder): Set<string> {
  let run: string | undefined;
  for (const r of records) if (r.t === 'run-start' && r.pid === holder.pid && r.host === holder.host) run = r.run;
  const keys = new Set<string>();
  if (run === undefined) return keys;
  for (const r of records) if (r.run === run && r.t !== 'run-start' && r.t !== 'run-end') keys.add(r.key);
  return keys;
}

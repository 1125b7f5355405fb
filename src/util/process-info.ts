/**
 * Process identity on Linux: a pid plus its start time (clock ticks since boot, /proc/<pid>/stat
 * field 22) names one process for good, even after the pid is reused. Used by the lock and by the
 * leftover-process sweep after a `kill -9` of the runner.
 */
import { readFileSync } from 'node:fs';

/** Start time of `pid`, or undefined when no such process exists (or /proc is unavailable). */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); starttime is field 22.
    return fields[19];
  } catch {
    return undefined;
  }
}

/** True when `pid` runs and, if `startTime` is given, is the same process that was recorded. */
export function isProcessAlive(pid: number, startTime?: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (startTime === undefined) return true;
  const now = processStartTime(pid);
  return now === undefined ? true : now === startTime;
}

/** Signals a whole process group; ignores a group that is already gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** True while any process of the group `pgid` exists. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

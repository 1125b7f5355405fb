/**
 * The store lock: `<store>/lock` created exclusively (O_EXCL) and holding the holder's pid, process
 * start time, host, command and start date. A lock whose holder is gone (no such pid, or the pid was
 * reused by another process) is taken over, never obeyed. A live holder makes a second run fail at
 * once with its identity, or wait with `--wait`.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, rmdirSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { isProcessAlive, processStartTime } from '../../util/process-info.js';

export interface LockHolder {
  readonly pid: number;
  readonly pidStart?: string;
  readonly host: string;
  readonly command: string;
  readonly since: string;
}

/** The store is locked by a live process (the CLI exits 3). */
export class StoreBusyError extends Error {
  override readonly name = 'StoreBusyError';
  readonly holder: LockHolder;
  constructor(lockPath: string, holder: LockHolder) {
    super(`store is locked by PID ${holder.pid} on ${holder.host} (${holder.command}), running since ${holder.since}\n  lock: ${lockPath}\n  wait for it, or pass --wait to queue behind it`);
    this.holder = holder;
  }
}

export function readLock(path: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
  } catch {
    return undefined;
  }
}

/** True when the lock at `path` is held by a live process. */
export function lockHeldByLiveProcess(path: string): LockHolder | undefined {
  const holder = readLock(path);
  if (holder === undefined) return undefined;
  if (holder.host !== hostname()) return holder; // cannot check a remote pid: assume alive
  return isProcessAlive(holder.pid, holder.pidStart) ? holder : undefined;
}

export interface LockHandle {
  release(): void;
  /** The dead holder whose lock was taken over, if any. */
  readonly tookOverFrom?: LockHolder;
}

function tryCreate(path: string, holder: LockHolder): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, JSON.stringify(holder));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

export async function acquireLock(path: string, command: string, options: { wait?: boolean } = {}): Promise<LockHandle> {
  const me: LockHolder = { pid: process.pid, pidStart: processStartTime(process.pid), host: hostname(), command, since: new Date().toISOString() };
  let tookOverFrom: LockHolder | undefined;
  for (;;) {
    if (tryCreate(path, me)) break;
    const holder = readLock(path);
    if (holder === undefined) {
      // Unreadable: a holder crashed between create and write, or is writing right now.
      const age = Date.now() - (statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0);
      if (age > 2000) unlinkQuiet(path);
      else await sleep(50);
      continue;
    }
    const alive = holder.host !== hostname() || isProcessAlive(holder.pid, holder.pidStart);
    if (!alive) {
      if (takeOver(path, holder)) tookOverFrom = holder;
      else await sleep(20);
      continue;
    }
    if (!options.wait) throw new StoreBusyError(path, holder);
    await sleep(250);
  }
  return {
    ...(tookOverFrom ? { tookOverFrom } : {}),
    release() {
      const holder = readLock(path);
      if (holder?.pid === process.pid) unlinkQuiet(path);
    },
  };
}

/**
 * Removes a dead holder's lock under a short-lived mutex (`lock.takeover`, mkdir is atomic), and
 * only if the file still names that holder: two runners that both found the same stale lock cannot
 * both remove it and so end up both holding a fresh one.
 */
function takeOver(path: string, dead: LockHolder): boolean {
  const mutex = `${path}.takeover`;
  try {
    mkdirSync(mutex);
  } catch {
    const age = Date.now() - (statSync(mutex, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    if (age > 10_000) rmdirQuiet(mutex); // left by a runner that died while taking over
    return false;
  }
  try {
    const now = readLock(path);
    if (now?.pid !== dead.pid || now.pidStart !== dead.pidStart || now.since !== dead.since) return false;
    unlinkQuiet(path);
    return true;
  } finally {
    rmdirQuiet(mutex);
  }
}

function rmdirQuiet(path: string): void {
  try {
    rmdirSync(path);
  } catch {
    /* already gone */
  }
}

function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

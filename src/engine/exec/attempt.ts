/**
 * One attempt of one instance as a child process in its own process group (execa, detached):
 * stdout/stderr go to the attempt's log file, `::pipe::` lines on stdout become messages.
 * Termination signals the whole group (SIGTERM, then SIGKILL after a grace period), so grandchildren
 * die with the stage. When the stage's main process exits, stragglers left in its group are ended too.
 */
import { createWriteStream, openSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { finished } from 'node:stream/promises';
import type { execa as ExecaFn } from 'execa';
import { parseMessage } from '../../stage-api/protocol.js';
import type { Failure } from '../log/events.js';
import type { AttemptResult, AttemptSpec, RunningAttempt } from './launch/types.js';
import { groupAlive, processStartTime, signalGroup } from '../../util/process-info.js';

export type { AttemptResult, AttemptSpec, RunningAttempt };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function endGroup(pgid: number, graceMs: number): Promise<void> {
  if (!signalGroup(pgid, 'SIGTERM')) return;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!groupAlive(pgid)) return;
    await sleep(25);
  }
  signalGroup(pgid, 'SIGKILL');
  for (let i = 0; i < 40 && groupAlive(pgid); i++) await sleep(25);
}

let execa: typeof ExecaFn | undefined;

/** Loads execa (kept out of CLI start-up: a fully cached run never spawns anything). */
export async function loadSpawner(): Promise<void> {
  execa ??= (await import('execa')).execa;
}

/** An attempt that never started, for the reason given. */
function notStarted(message: string): RunningAttempt {
  const failure: Failure = { reason: 'spawn-error', message };
  return { pid: 0, done: Promise.resolve({ exitCode: null, signal: null, terminated: false, failure }), terminate: () => Promise.resolve() };
}

export function startAttempt(spec: AttemptSpec): RunningAttempt {
  if (execa === undefined) throw new Error('Internal error: startAttempt before loadSpawner');
  // Opened before the child exists: a log that cannot be created (a full disk, a name too long) fails the
  // attempt, not pipe, and leaves no process behind.
  let fd: number;
  try {
    fd = openSync(spec.logPath, 'w');
  } catch (error) {
    return notStarted(`cannot create its log ${spec.logPath}: ${(error as Error).message}`);
  }
  const log = createWriteStream('', { fd });
  // A write that fails later (the disk filled up) costs log lines, never the run: the attempt's own exit
  // status still decides, and a full disk fails its commit anyway.
  log.on('error', () => undefined);
  log.write(spec.header);
  const child = execa(spec.file, [...spec.args], {
    cwd: spec.cwd,
    env: spec.env,
    extendEnv: false,
    detached: true,
    cleanup: false,
    stdin: 'ignore',
    buffer: false,
    reject: false,
    forceKillAfterDelay: false,
  });
  const pid = child.pid ?? -1;
  let terminated = false;
  let timedOut = false;
  let terminating: Promise<void> | undefined;
  const terminate = (): Promise<void> => {
    terminated = true;
    terminating ??= pid > 0 ? endGroup(pid, spec.graceMs) : Promise.resolve();
    return terminating;
  };
  const timer = spec.timeoutMs !== undefined ? setTimeout(() => {
    timedOut = true;
    void terminate();
  }, spec.timeoutMs) : undefined;

  if (child.stdout) {
    createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) => {
      const msg = parseMessage(line);
      if (msg !== undefined) {
        if (msg.type === 'log') log.write(`${msg.message}\n`);
        spec.onMessage(msg);
      } else log.write(`${line}\n`);
    });
  }
  child.stderr?.on('data', (chunk: Buffer) => log.write(chunk));
  // The main process exited: end anything it left behind in its group, so stdio closes.
  child.on('exit', () => {
    if (pid > 0 && groupAlive(pid)) void endGroup(pid, Math.min(spec.graceMs, 1000));
  });

  const done = (async (): Promise<AttemptResult> => {
    const r = await child;
    if (timer) clearTimeout(timer);
    if (terminating) await terminating;
    log.end();
    await finished(log).catch(() => undefined);
    const spawnError = r.failed && r.exitCode === undefined && r.signal === undefined ? (r.originalMessage ?? r.shortMessage) : undefined;
    // What only this backend knows; a plain exit status or signal the executor reads itself.
    const failure: Failure | undefined = timedOut ? { reason: 'timeout', timeoutMs: spec.timeoutMs ?? 0 }
      : spawnError !== undefined ? { reason: 'spawn-error', message: spawnError } : undefined;
    return {
      exitCode: r.exitCode ?? null,
      signal: r.signal ?? null,
      terminated,
      ...(failure !== undefined ? { failure } : {}),
    };
  })();
  const pidStart = pid > 0 ? processStartTime(pid) : undefined;
  return { pid, ...(pidStart !== undefined ? { pidStart } : {}), done, terminate };
}

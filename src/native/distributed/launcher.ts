// Single-host multi-device training: one process per rank (node + the addon), c10d rendezvous on
// masterAddr:masterPort (rank 0 serves the TCPStore). The launcher watches the ranks: if one exits non-zero or is
// killed, the others get SIGTERM, then SIGKILL after a grace period, and the promise rejects naming the rank.
// Aborting `signal` forwards SIGTERM to every rank (they stop together, rank 0 writes checkpoint_latest.pt). The
// ranks stay in the launcher's process group, so a group kill by the engine reaches them too. The promise settles
// only after every rank has exited: no process (and so no port) is left behind.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';

import type { TrainOptions, TrainResult } from '../addon/index.js';
import { DistributedTrainingError, rankScriptPath, type DistributedLaunch, type DistributedTrainResult, type RankOutcome } from './launch-contract.js';
import type { RankMessage } from './messages.js';
import { writeOptionsFile } from './options-file.js';
import { freePort } from './port.js';
import { rankEnvVars } from './rank-env.js';
import { runSrunTraining, srunRequested } from './srun-launcher.js';

function defaultPort(): number | undefined {
  const raw = process.env['PIPE_MASTER_PORT'];
  if (raw === undefined || raw === '') return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`Expected a port for $PIPE_MASTER_PORT but received ${JSON.stringify(raw)}`);
  return port;
}

function describeExit(code: number | null, signal: string | null): string {
  return signal ? `was killed by ${signal}` : `exited with code ${code}`;
}

export async function runDistributedTraining(
  options: TrainOptions,
  launch: DistributedLaunch,
): Promise<DistributedTrainResult> {
  const world = launch.worldSize;
  if (!Number.isInteger(world) || world < 1)
    throw new TypeError(`Expected an integer >= 1 for worldSize but received ${String(world)}`);
  const device = options.device ?? 'cpu';
  const cuda = device.startsWith('cuda');
  if (cuda && launch.devices && launch.devices.length < world)
    throw new TypeError(`Expected ${world} devices for worldSize ${world} but received ${launch.devices.length} (${launch.devices.join(',')})`);
  if (launch.signal?.aborted) throw launch.signal.reason ?? new Error('aborted before start');
  // In a Slurm job of several tasks the ranks are srun's tasks (srun-launcher.ts), possibly on several nodes.
  if (srunRequested()) return runSrunTraining(options, launch);
  const masterAddr = launch.masterAddr ?? '127.0.0.1';
  const masterPort = launch.masterPort ?? defaultPort() ?? (await freePort(masterAddr));
  const threads = options.threads ?? Math.max(1, Math.floor(availableParallelism() / world));
  const log = launch.onLog ?? ((line: string) => process.stderr.write(`${line}\n`));
  const killGraceMs = launch.killGraceMs ?? 5000;
  const abortGraceMs = launch.abortGraceMs ?? 120_000;

  const dir = mkdtempSync(join(tmpdir(), 'pipe-ddp-'));
  const optionsPath = join(dir, 'options.json');
  writeOptionsFile(optionsPath, { ...options, threads });
  const script = rankScriptPath();

  return new Promise<DistributedTrainResult>((resolvePromise, rejectPromise) => {
    const children: ChildProcess[] = [];
    const outcomes: RankOutcome[] = [];
    const results = new Map<number, TrainResult>();
    const errors = new Map<number, string>();
    const stderrTail = new Map<number, string>();
    let failure: DistributedTrainingError | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let running = 0;

    const terminateAll = (graceMs: number) => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
      if (killTimer) return;
      killTimer = setTimeout(() => {
        for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      }, graceMs);
      killTimer.unref();
    };
    const onAbort = () => terminateAll(abortGraceMs);

    const settle = () => {
      if (killTimer) clearTimeout(killTimer);
      launch.signal?.removeEventListener('abort', onAbort);
      rmSync(dir, { recursive: true, force: true });
      if (failure) return rejectPromise(failure);
      const root = results.get(0);
      if (!root) {
        return rejectPromise(new DistributedTrainingError('rank 0 exited without a training result', 0, null, null));
      }
      resolvePromise({
        ...root,
        masterAddr,
        masterPort,
        ranks: outcomes.map((o) => ({ ...o, weightsDigest: results.get(o.rank)?.weightsDigest ?? null })),
      });
    };

    for (let rank = 0; rank < world; rank++) {
      const env: Record<string, string | undefined> = {
        ...process.env,
        ...rankEnvVars({ rank, worldSize: world, localRank: rank, masterAddr, masterPort }),
        OMP_NUM_THREADS: String(threads),
      };
      if (cuda) {
        const id = launch.devices?.[rank] ?? String(rank);
        env['CUDA_VISIBLE_DEVICES'] = id;
        env['PIPE_RANK_DEVICE'] = 'cuda:0';
      }
      const child = fork(script, [optionsPath], { env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced' });
      children.push(child);
      running++;
      const outcome: RankOutcome = { rank, pid: child.pid ?? -1, exitCode: null, signal: null, weightsDigest: null };
      outcomes.push(outcome);
      let pending = '';
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (chunk: string) => {
        stderrTail.set(rank, ((stderrTail.get(rank) ?? '') + chunk).slice(-2000));
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) if (line) log(`[rank ${rank}] ${line}`);
      });
      child.on('message', (raw) => {
        const m = raw as RankMessage;
        if (m.type === 'progress' && rank === 0) launch.onProgress?.(m.event);
        else if (m.type === 'done') results.set(rank, m.result);
        else if (m.type === 'error') errors.set(rank, `${m.code}: ${m.message}`);
      });
      child.on('error', (error) => {
        if (!failure) failure = new DistributedTrainingError(`rank ${rank} could not start: ${error.message}`, rank, null, null);
        terminateAll(killGraceMs);
      });
      child.on('exit', (code, signal) => {
        outcome.exitCode = code;
        outcome.signal = signal;
        if (pending) log(`[rank ${rank}] ${pending}`);
        const failed = code !== 0 || signal !== null;
        if (failed && !failure) {
          const why = errors.get(rank) ?? stderrTail.get(rank)?.trim().split('\n').slice(-3).join(' | ') ?? '';
          failure = new DistributedTrainingError(
            `distributed training failed: rank ${rank} of ${world} (pid ${outcome.pid}) ${describeExit(code, signal)}` +
              (why ? `: ${why}` : '') + '; the other ranks were stopped',
            rank,
            code,
            signal,
          );
          terminateAll(killGraceMs);
        }
        if (--running === 0) settle();
      });
    }
    launch.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

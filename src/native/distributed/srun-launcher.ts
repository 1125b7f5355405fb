// Inside a Slurm job of several tasks (the Slurm executor sets PIPE_RANK_LAUNCHER=srun when SLURM_NTASKS > 1): the
// ranks are started by `srun`, one per task, possibly on several nodes, instead of being forked here. Each rank
// reads the rendezvous from the environment (rank-env.ts: SLURM_PROCID / SLURM_NTASKS / SLURM_LOCALID, MASTER_ADDR
// and MASTER_PORT from the batch script) and, without an IPC channel, prints its messages as JSON lines on stdout,
// which `srun --label` prefixes with the task number. The options file sits in the training's output folder (in
// the shared store), since /tmp of the first node is not visible on the others. --kill-on-bad-exit takes the
// other ranks down when one fails; aborting `signal` sends SIGTERM to srun, which forwards it to every task.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import type { TrainOptions, TrainResult } from '../addon/index.js';
import { DistributedTrainingError, rankScriptPath, type DistributedLaunch, type DistributedTrainResult, type RankOutcome } from './launch-contract.js';
import type { RankMessage } from './messages.js';
import { writeOptionsFile } from './options-file.js';

export function srunRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  return env['PIPE_RANK_LAUNCHER'] === 'srun' && Number(env['SLURM_NTASKS'] ?? 1) > 1;
}

export function runSrunTraining(options: TrainOptions, launch: DistributedLaunch): Promise<DistributedTrainResult> {
  const world = launch.worldSize;
  const tasks = Number(process.env['SLURM_NTASKS'] ?? 0);
  if (tasks !== world) {
    return Promise.reject(new TypeError(`Expected a Slurm job of ${world} tasks for worldSize ${world} but the job has ${tasks} (SLURM_NTASKS)`));
  }
  const masterAddr = process.env['MASTER_ADDR'] ?? '127.0.0.1';
  const masterPort = launch.masterPort ?? Number(process.env['MASTER_PORT'] ?? process.env['PIPE_MASTER_PORT']);
  if (!Number.isInteger(masterPort) || masterPort < 1) {
    return Promise.reject(new TypeError(`Expected $MASTER_PORT for the srun launch but received ${JSON.stringify(process.env['MASTER_PORT'])}`));
  }
  const log = launch.onLog ?? ((line: string) => process.stderr.write(`${line}\n`));
  const optionsPath = join(options.outDir, 'srun-options.json');
  writeOptionsFile(optionsPath, options);
  const args = ['--kill-on-bad-exit=1', '--label', `--ntasks=${world}`, process.execPath, rankScriptPath(), optionsPath];
  log(`launching ${world} ranks with srun ${args.join(' ')} (rendezvous ${masterAddr}:${masterPort})`);

  return new Promise<DistributedTrainResult>((resolvePromise, rejectPromise) => {
    const child = spawn('srun', args, {
      env: { ...process.env, MASTER_ADDR: masterAddr, MASTER_PORT: String(masterPort), OMP_NUM_THREADS: String(options.threads ?? 1) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const results = new Map<number, TrainResult>();
    const errors = new Map<number, string>();
    const labelled = /^\s*(\d+): ?(.*)$/;
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = labelled.exec(line);
      const body = m?.[2] ?? line;
      if (!body.startsWith('{"type":')) {
        if (body !== '') log(`[rank ${m?.[1] ?? '?'}] ${body}`);
        return;
      }
      try {
        const msg = JSON.parse(body) as RankMessage;
        if (msg.type === 'progress' && msg.rank === 0) launch.onProgress?.(msg.event);
        else if (msg.type === 'done') results.set(msg.rank, msg.result);
        else if (msg.type === 'error') errors.set(msg.rank, `${msg.code}: ${msg.message}`);
      } catch {
        log(`[rank ${m?.[1] ?? '?'}] ${body}`);
      }
    });
    createInterface({ input: child.stderr }).on('line', (line) => {
      const m = labelled.exec(line);
      log(m ? `[rank ${m[1]}] ${m[2]}` : `[srun] ${line}`);
    });
    const onAbort = (): void => {
      child.kill('SIGTERM');
    };
    launch.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (error) => rejectPromise(new DistributedTrainingError(`could not start srun: ${error.message}`, 0, null, null)));
    child.on('close', (code, signal) => {
      launch.signal?.removeEventListener('abort', onAbort);
      const root = results.get(0);
      if (code === 0 && root !== undefined) {
        const ranks: RankOutcome[] = Array.from({ length: world }, (_, rank) => ({ rank, pid: -1, exitCode: 0, signal: null, weightsDigest: results.get(rank)?.weightsDigest ?? null }));
        return resolvePromise({ ...root, masterAddr, masterPort, ranks });
      }
      const [rank, why] = [...errors.entries()][0] ?? [0, 'no rank reported an error'];
      rejectPromise(new DistributedTrainingError(
        `distributed training through srun failed (srun ${signal ? `killed by ${signal}` : `exit ${code}`}): rank ${rank} of ${world}: ${why}`, rank, code, signal,
      ));
    });
  });
}

// Entry of one training rank: `node dist/native/distributed/rank.js <options.json>`. The rendezvous comes from the
// environment (rank-env.ts: RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT, or Slurm's variables), so the
// same script serves the single-host launcher and multi-node launches (srun, one task per device). SIGTERM /
// SIGINT abort the training: the ranks agree to stop at the same iteration and rank 0 writes
// checkpoint_latest.pt. Exit code 0 on success or abort, 1 on failure.
import { NativeError, trainModel } from '../addon/index.js';
import type { TrainOptions } from '../addon/index.js';
import { rankDevice } from '../device.js';
import type { RankMessage } from './messages.js';
import { readOptionsFile } from './options-file.js';
import { rankEnv } from './rank-env.js';

async function main(): Promise<number> {
  const optionsPath = process.argv[2] ?? process.env['PIPE_TRAIN_OPTIONS'];
  let rank = -1;
  const send = (message: RankMessage): Promise<void> =>
    new Promise((resolve) => {
      if (process.send && process.connected) {
        process.send(message, () => resolve());
      } else {
        // Without a launcher (srun): rank 0's progress, and every rank's final line, as JSON lines on stdout.
        if (message.rank === 0 || message.type !== 'progress') process.stdout.write(`${JSON.stringify(message)}\n`);
        resolve();
      }
    });
  const controller = new AbortController();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => controller.abort());
  try {
    if (!optionsPath) throw new Error('Expected the training options file as the first argument (or $PIPE_TRAIN_OPTIONS)');
    const env = rankEnv();
    rank = env.rank;
    const base = readOptionsFile(optionsPath);
    const device = rankDevice(base.device, env.localRank);
    const options: TrainOptions = {
      ...base,
      rank: env.rank,
      worldSize: env.worldSize,
      masterAddr: env.masterAddr,
      masterPort: env.masterPort,
      ...(device !== undefined ? { device } : {}),
    };
    const result = await trainModel(options, {
      signal: controller.signal,
      onProgress: (event) => void send({ type: 'progress', rank: env.rank, event }),
    });
    await send({ type: 'done', rank: env.rank, result });
    return 0;
  } catch (error) {
    const code = error instanceof NativeError ? error.code : 'ERANK';
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`rank ${rank}: ${message}\n`);
    await send({ type: 'error', rank, code, message });
    return 1;
  }
}

process.exit(await main());

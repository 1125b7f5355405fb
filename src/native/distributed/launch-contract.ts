// What both launchers (launcher.ts: one forked process per rank on this host; srun-launcher.ts: srun's tasks in a
// Slurm job) share: the launch settings, the result and the failure they report, and the rank entry script they
// start. Both import this file and neither imports the other's functions back (launcher.ts hands over to srun).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { packageRoot } from '../../util/package-root.js';
import type { TrainProgress, TrainResult } from '../addon/index.js';

export interface DistributedLaunch {
  /** Ranks to start (>= 1), one per device. */
  worldSize: number;
  /** The devices granted (the engine's ctx.devices). CUDA: rank r runs on devices[r] (CUDA_VISIBLE_DEVICES). */
  devices?: readonly string[];
  /** Host of rank 0's TCPStore (default 127.0.0.1). */
  masterAddr?: string;
  /** Store port: default $PIPE_MASTER_PORT (the engine's reserved port), else a free port chosen now. */
  masterPort?: number;
  signal?: AbortSignal;
  /** Rank 0's progress events (global loss, Dice and samples/s; worldSize and rankBatchSizes set). */
  onProgress?: (event: TrainProgress) => void;
  /** Lines the ranks write to stderr, prefixed "[rank r] " (default: the launcher's stderr). */
  onLog?: (line: string) => void;
  /** ms between SIGTERM and SIGKILL when tearing down after a failure (5000). */
  killGraceMs?: number;
  /** ms the ranks get to write the abort checkpoint before SIGKILL (120000). */
  abortGraceMs?: number;
}

export interface RankOutcome {
  rank: number;
  pid: number;
  exitCode: number | null;
  signal: string | null;
  weightsDigest: string | null;
}

export interface DistributedTrainResult extends TrainResult {
  masterAddr: string;
  masterPort: number;
  ranks: RankOutcome[];
}

export class DistributedTrainingError extends Error {
  constructor(
    message: string,
    readonly rank: number,
    readonly exitCode: number | null,
    readonly signal: string | null,
  ) {
    super(message);
    this.name = 'DistributedTrainingError';
  }
}

/** dist/native/distributed/rank.js: the compiled entry, also when this module runs from src/ under a test runner. */
export function rankScriptPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const sibling = join(here, 'rank.js');
  if (existsSync(sibling)) return sibling;
  const built = join(packageRoot(), 'dist', 'native', 'distributed', 'rank.js');
  if (existsSync(built)) return built;
  throw new Error(`Cannot find the rank entry script (tried ${sibling} and ${built}): build the TypeScript (npx tsc -p tsconfig.json)`);
}

// What a rank process reports to the launcher over its IPC channel (or, without one, rank 0 prints as JSON lines).
import type { TrainProgress, TrainResult } from '../addon/index.js';

export type RankMessage =
  | { type: 'progress'; rank: number; event: TrainProgress }
  | { type: 'done'; rank: number; result: TrainResult }
  | { type: 'error'; rank: number; code: string; message: string };

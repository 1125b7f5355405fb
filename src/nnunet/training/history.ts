/**
 * The training history of one run (history-format.ts) kept in the attempt workspace
 * while training, so that a resumed attempt continues it: epochs, plus the wall time and samples
 * trained by earlier attempts. Rewritten atomically after every epoch.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkTrainingHistory, type EpochRecord, type TrainingHistory } from './history-format.js';
import { writeFileAtomic } from '../../util/fs.js';

export const HISTORY_FILE = 'history.json';

export interface RunningHistory {
  epochs: EpochRecord[];
  /** Seconds and samples of earlier attempts (finished ones only count once). */
  earlierSeconds: number;
  earlierSamples: number;
  device: string;
  worldSize: number;
}

/** Reads the workspace history, or undefined when there is none (fresh start or unreadable file). */
export async function readRunningHistory(work: string): Promise<RunningHistory | undefined> {
  let text: string;
  try {
    text = await readFile(join(work, HISTORY_FILE), 'utf8');
  } catch {
    return undefined;
  }
  const raw = JSON.parse(text) as TrainingHistory & { samples?: number };
  const h = checkTrainingHistory(raw, `${join(work, HISTORY_FILE)}`);
  return {
    epochs: [...h.epochs],
    earlierSeconds: h.wallSeconds,
    earlierSamples: raw.samples ?? h.samplesPerSecond * h.wallSeconds,
    device: h.device,
    worldSize: h.worldSize,
  };
}

/** The history as written to history.json (samplesPerSecond over all attempts). */
export function historyFile(h: RunningHistory, seconds: number, samples: number): TrainingHistory & { samples: number } {
  const wallSeconds = h.earlierSeconds + seconds;
  const total = h.earlierSamples + samples;
  return {
    epochs: h.epochs,
    samplesPerSecond: wallSeconds > 0 ? total / wallSeconds : 0,
    wallSeconds,
    worldSize: h.worldSize,
    device: h.device,
    samples: total,
  };
}

export function writeHistory(dir: string, history: TrainingHistory): void {
  writeFileAtomic(join(dir, HISTORY_FILE), `${JSON.stringify(history, null, 2)}\n`);
}

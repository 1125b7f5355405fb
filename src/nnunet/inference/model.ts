/** Finds a train stage output's checkpoint for `model: final | best | latest`. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const FILES = { final: 'model_final.pt', best: 'model_best.pt', latest: 'model_latest.pt' } as const;

/**
 * best falls back to final when training never wrote a best (no validation cases, or the EMA
 * never improved); latest falls back to final (the state at the end of training).
 */
export function modelCheckpoint(trainOut: string, model: keyof typeof FILES): { path: string; note?: string } {
  const path = join(trainOut, FILES[model]);
  if (existsSync(path)) return { path };
  const final = join(trainOut, FILES.final);
  if (!existsSync(final)) throw new Error(`${trainOut}: no ${FILES.final}: is it the output of a train stage in mode train?`);
  return { path: final, note: `${FILES[model]} was not written by training: using ${FILES.final}` };
}

/**
 * The checkpoint an interrupted training continues from, checked before it is used: the final one
 * (training had finished), else the latest, else the one the latest replaced
 * (checkpoint_latest.prev.pt, kept by the native writer). readCheckpointInfo checks each file's
 * checksum; a damaged one (flipped bytes, truncated, emptied, overwritten: ECHECKPOINT) is set aside
 * as `<name>.damaged` and the next is tried, and with none left the fold restarts at epoch 0. Every
 * step is said (`notes`, for the training log); `setAside` lists what was damaged.
 */
import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { readCheckpointInfo, type CheckpointInfo } from '../../native/addon/index.js';

export const RESUME_CANDIDATES = ['checkpoint_final.pt', 'checkpoint_latest.pt', 'checkpoint_latest.prev.pt'] as const;

export interface ResumeChoice {
  /** What to continue from; absent: start at epoch 0. */
  readonly from?: { readonly path: string; readonly name: string; readonly info: CheckpointInfo };
  readonly notes: readonly string[];
  /** Names of the damaged files, each renamed to `<name>.damaged`. */
  readonly setAside: readonly string[];
}

function isDamaged(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === 'ECHECKPOINT';
}

export async function chooseResumeCheckpoint(runDir: string): Promise<ResumeChoice> {
  const notes: string[] = [];
  const setAside: string[] = [];
  for (const name of RESUME_CANDIDATES) {
    const path = join(runDir, name);
    if (!existsSync(path)) continue;
    let info: CheckpointInfo;
    try {
      info = await readCheckpointInfo(path);
    } catch (error) {
      if (!isDamaged(error)) throw error;
      renameSync(path, `${path}.damaged`);
      setAside.push(name);
      notes.push(`${name} cannot be used: ${(error as Error).message.split('\n')[0] ?? ''}; set aside as ${name}.damaged`);
      continue;
    }
    if (info.checksum === null) notes.push(`${name} was written before checkpoints carried a checksum (format ${info.formatVersion}): loaded unverified`);
    if (setAside.length > 0) notes.push(`falling back to ${name} (epoch ${info.epoch}${info.iteration > 0 ? ` iteration ${info.iteration}` : ''})`);
    return { from: { path, name, info }, notes, setAside };
  }
  if (setAside.length > 0) notes.push('no usable checkpoint is left: the fold restarts at epoch 0');
  return { notes, setAside };
}

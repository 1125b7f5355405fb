/**
 * Case-by-case resume for convert_decathlon: each finished case's record is saved in the stage's
 * work folder (with its split channel files beside it), so a killed run re-inspects only the cases
 * it had not finished. The work folder belongs to one key, so a saved record is for the same input.
 */
import { mkdir, readFile, rename, writeFile, cp, rm } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { CaseRecord } from './inspect-case.js';
import { isDirectory, isFile } from './task-folder.js';

interface Saved {
  readonly verified: boolean;
  readonly record: CaseRecord;
}

const recordsDir = (work: string) => join(work, 'convert-cases');
/** Where split channel files are written while the stage runs (moved to the output at the end). */
export const splitDir = (work: string) => join(work, 'convert-split');

export async function loadSavedCase(work: string, id: string, verify: boolean): Promise<CaseRecord | undefined> {
  const file = join(recordsDir(work), `${encodeURIComponent(id)}.json`);
  if (!(await isFile(file))) return undefined;
  try {
    const saved = JSON.parse(await readFile(file, 'utf8')) as Saved;
    if (verify && !saved.verified) return undefined;
    for (const p of saved.record.images) {
      if (!(await isFile(isAbsolute(p) ? p : join(splitDir(work), p)))) return undefined;
    }
    return saved.record;
  } catch {
    return undefined; // a torn or foreign file: redo the case
  }
}

export async function saveCase(work: string, record: CaseRecord, verified: boolean): Promise<void> {
  const dir = recordsDir(work);
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${encodeURIComponent(record.id)}.json`);
  await writeFile(`${file}.tmp`, JSON.stringify({ verified, record } satisfies Saved));
  await rename(`${file}.tmp`, file);
}

/** Moves the split channel folders (imagesTr/, imagesTs/) from the work folder into `out`. */
export async function moveSplitFiles(work: string, out: string): Promise<void> {
  for (const sub of ['imagesTr', 'imagesTs']) {
    const from = join(splitDir(work), sub);
    if (!(await isDirectory(from))) continue;
    try {
      await rename(from, join(out, sub));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
      await cp(from, join(out, sub), { recursive: true });
      await rm(from, { recursive: true, force: true });
    }
  }
}

/** Removes what this module saved in the work folder (records and split files), leaving the folder. */
export async function discardSavedCases(work: string): Promise<void> {
  await rm(recordsDir(work), { recursive: true, force: true });
  await rm(splitDir(work), { recursive: true, force: true });
}

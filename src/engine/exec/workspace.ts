/**
 * Attempt workspaces (`<store>/work/<key>/`) after an attempt that did not commit. A workspace that holds a
 * file is what a later attempt resumes from (PIPE_RESUME=1) and is kept. One that holds no file at all (empty,
 * or only the empty folders a stage made before it refused, as preprocess makes `cases/` before its memory
 * check) can never be resumed, so it is removed: the next attempt is a fresh start, not called a resume, and
 * bad inputs do not pile up one folder each.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { removeTree } from '../../util/fs.js';

/** True when `dir` holds anything but folders (a file, a link), at any depth; false when it is absent. */
export function holdsResumableState(dir: string): boolean {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  return entries.some((e) => !e.isDirectory() || holdsResumableState(join(dir, e.name)));
}

/** Removes `dir` when nothing in it can be resumed (the attempt using it has ended). */
export function dropEmptyWorkspace(dir: string): void {
  if (!holdsResumableState(dir)) removeTree(dir);
}

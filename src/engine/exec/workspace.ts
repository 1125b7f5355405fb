/**
 * Attempt workspaces (`<store>/work/<key>/`) after an attempt that did not commit. A workspace with
 * something in it is what a later attempt resumes from (PIPE_RESUME=1) and is kept; an empty one can
 * never be resumed (a stage whose failure is final for its key empties it), so it is removed instead
 * of piling up, one per bad input.
 */
import { rmdirSync } from 'node:fs';

export function dropEmptyWorkspace(dir: string): void {
  try {
    rmdirSync(dir); // fails on a non-empty folder: the check and the removal are one step
  } catch {
    /* resumable state inside, or already gone */
  }
}

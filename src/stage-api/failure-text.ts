/**
 * What a stage child prints when its stage throws. A failed write to a full, broken or read-only filesystem is a
 * condition of the machine, not a bug: its message (errno by name, the file) is printed without a JavaScript stack,
 * with a hint for Node's own errors (the native runtime adds its own). Anything else reads as `errorText` has it
 * (a user error without a stack, a bug with "Internal error:" and its stack; every stack with --debug).
 */
import { errorText, isDebug } from './error-text.js';

/** errno names of a write the filesystem refused; `ENATIVE_IO` is the native runtime's code for the same. */
const STORAGE_CODES = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EROFS', 'EFBIG', 'ENATIVE_IO']);

export function stageFailureText(error: unknown, debug = isDebug()): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as Error & { code?: unknown }).code;
  if (debug || typeof code !== 'string' || !STORAGE_CODES.has(code)) return errorText(error, debug);
  if (code === 'ENATIVE_IO') return error.message;
  return `${error.message}\n---> HINT: free space (or fix the filesystem) and run the same command again: finished work is kept`;
}

/**
 * Whether the store can be written, asked before a run takes the lock: a read-only mount, a folder
 * without write permission or a file where a folder should be is the user's to fix (exit 2), not
 * an "Internal error" with a stack. Node's recursive mkdir reports ENOENT on a read-only file system,
 * so the folder that cannot be made is made once more without `recursive` to learn the real cause.
 */
import { closeSync, mkdirSync, openSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PipelineError } from '../config/diagnostics.js';

/** The error codes that mean "this place cannot be written" (as opposed to a bug or a race). */
const UNWRITABLE = new Set(['EROFS', 'EACCES', 'EPERM', 'ENOTDIR', 'EEXIST', 'ENOSPC', 'EDQUOT', 'ENOENT', 'ELOOP']);

const WHY: Readonly<Record<string, string>> = {
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a file stands where a folder is needed',
  EEXIST: 'a file stands where a folder is needed',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ENOENT: 'a folder on the way cannot be created',
  ELOOP: 'too many symbolic links',
};

export class StoreNotWritableError extends PipelineError {
  readonly store: string;
  readonly code: string;
  constructor(store: string, code: string, path: string) {
    const where = path === store ? '' : ` at ${path}`;
    super([{ message: `the store ${store} is not writable (${code}: ${WHY[code] ?? 'cannot write'}${where}); set PIPE_CACHE or cache: to a writable folder` }]);
    this.store = store;
    this.code = code;
  }
}

function codeOf(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The deepest missing folder on the way to `dir` and why it cannot be made, by a plain (non-recursive) mkdir. */
function whyNoFolder(dir: string): { code: string; path: string } | undefined {
  const missing: string[] = [];
  let at = dir;
  const present = (p: string): boolean => {
    try {
      statSync(p);
      return true;
    } catch {
      return false;
    }
  };
  while (!present(at) && dirname(at) !== at) {
    missing.unshift(at);
    at = dirname(at);
  }
  if (!statSync(at).isDirectory()) return { code: 'ENOTDIR', path: at };
  for (const m of missing) {
    try {
      mkdirSync(m);
    } catch (error) {
      const code = codeOf(error);
      if (code !== undefined && code !== 'EEXIST') return { code, path: m };
    }
  }
  return undefined;
}

/**
 * Creates `folders` under `root` and proves a file can be written there (written and removed at
 * once); throws StoreNotWritableError naming the store, the cause and where it struck.
 */
export function ensureWritableStore(root: string, folders: readonly string[]): void {
  let current = root;
  let folder = true;
  try {
    for (const f of folders) {
      current = join(root, f);
      mkdirSync(current, { recursive: true });
    }
    folder = false;
    current = join(root, folders[0] ?? '', `.write-probe-${process.pid}`);
    closeSync(openSync(current, 'w'));
    unlinkSync(current);
  } catch (error) {
    const code = codeOf(error);
    if (code === undefined || !UNWRITABLE.has(code)) throw error;
    const cause = (folder && (code === 'ENOENT' || code === 'ENOTDIR') ? whyNoFolder(current) : undefined) ?? { code, path: current };
    throw new StoreNotWritableError(root, cause.code, cause.path);
  }
}

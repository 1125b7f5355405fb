/**
 * Input path expansion: a file, a folder (every file below it) or a glob (`*`, `?`, `**`,
 * `[abc]`). Results are absolute file paths, sorted. Hidden files are matched like any other.
 */
import { readdirSync, statSync, type Dirent, type Stats } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { PipelineError } from '../config/diagnostics.js';

export function isGlob(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? '';
    if (c === '*' && pattern[i + 1] === '*') {
      const slash = pattern[i + 2] === '/';
      re += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = pattern.indexOf(']', i);
      if (close === -1) re += '\\[';
      else {
        re += `[${pattern.slice(i + 1, close).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * A folder below an input that cannot be walked: a symbolic link loop (to itself, or back to a
 * folder above it, which would be walked forever) or a folder that cannot be read. The user's to
 * fix (exit 2), named by its path; resolve/keys.ts adds where the input is declared.
 */
export class InputWalkError extends PipelineError {
  readonly path: string;
  readonly problem: string;
  constructor(path: string, problem: string) {
    super([{ message: `${path}: ${problem}` }]);
    this.path = path;
    this.problem = problem;
  }
}

function problemOf(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  if (e.code === 'ELOOP') return 'a symbolic link loop (ELOOP): it resolves to itself; remove or repoint it';
  if (typeof e.code === 'string') return `cannot be read (${e.code}${e.code === 'EACCES' ? ': permission denied' : ''})`;
  throw error;
}

/**
 * Every regular file below `dir`, absolute, sorted. Symbolic links are followed, except one that
 * leads back to a folder being walked (a loop); a dangling link is skipped.
 */
export function walkFiles(dir: string): string[] {
  const out: string[] = [];
  const visit = (d: string, ancestors: ReadonlyMap<string, string>): void => {
    let entries: Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch (error) {
      throw new InputWalkError(d, problemOf(error));
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) visit(p, withFolder(ancestors, p));
      else if (e.isFile()) out.push(p);
      else if (e.isSymbolicLink()) {
        let st: Stats | undefined;
        try {
          st = statSync(p, { throwIfNoEntry: false });
        } catch (error) {
          throw new InputWalkError(p, problemOf(error));
        }
        if (st?.isFile()) out.push(p);
        else if (st?.isDirectory()) {
          const above = ancestors.get(`${st.dev}:${st.ino}`);
          if (above !== undefined) throw new InputWalkError(p, `a symbolic link loop: it leads back to ${above}, which would be walked forever; remove or repoint it`);
          visit(p, withFolder(ancestors, p, st));
        }
      }
    }
  };
  visit(dir, withFolder(new Map(), dir));
  return out.sort();
}

/** The folders on the way down, by device and inode (what a link loop leads back to). */
function withFolder(ancestors: ReadonlyMap<string, string>, dir: string, st: Stats = statSync(dir)): Map<string, string> {
  return new Map(ancestors).set(`${st.dev}:${st.ino}`, dir);
}

/** Expands one `inputs` entry relative to `baseDir`; an empty list when nothing matches. */
export function expandInput(entry: string, baseDir: string): string[] {
  const abs = resolve(baseDir, entry);
  if (!isGlob(entry)) {
    const st = statSync(abs, { throwIfNoEntry: false });
    if (st === undefined) return [];
    return st.isDirectory() ? walkFiles(abs) : [abs];
  }
  const parts = abs.split(sep);
  const firstGlob = parts.findIndex((p) => isGlob(p));
  const root = parts.slice(0, firstGlob).join(sep) || sep;
  const re = globToRegExp(parts.slice(firstGlob).join('/'));
  const st = statSync(root, { throwIfNoEntry: false });
  if (!st?.isDirectory()) return [];
  return walkFiles(root).filter((f) => re.test(f.slice(root.length + 1).split(sep).join('/')));
}

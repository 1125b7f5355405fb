/**
 * Input path expansion: a file, a folder (every file below it) or a glob (`*`, `?`, `**`,
 * `[abc]`). Results are absolute file paths, sorted. Hidden files are matched like any other.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';

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

/** Every regular file below `dir`, absolute, sorted. */
export function walkFiles(dir: string): string[] {
  const out: string[] = [];
  const visit = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) visit(p);
      else if (e.isFile()) out.push(p);
      else if (e.isSymbolicLink()) {
        const st = statSync(p, { throwIfNoEntry: false });
        if (st?.isFile()) out.push(p);
        else if (st?.isDirectory()) visit(p);
      }
    }
  };
  visit(dir);
  return out.sort();
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

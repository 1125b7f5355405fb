/**
 * Where a file written under ctx.out will live once the engine commits the output
 * (`<store>/tmp/<name>` is renamed to `<store>/objects/<key>`), for paths recorded in results.
 */
import { basename, dirname, join, relative } from 'node:path';

export function committedPath(out: string, key: string, file: string): string {
  const tmp = dirname(out);
  if (basename(tmp) !== 'tmp') return file;
  return join(dirname(tmp), 'objects', key, relative(out, file));
}

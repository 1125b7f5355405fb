/**
 * The torn last line of a JSON-lines file: a writer that died inside its append (kill -9, power
 * loss) leaves text without the closing newline, and the next append would glue its record to it,
 * losing both. Before appending, a writer ends such a tail:
 *   - text that parses as a whole record lost only its newline: the newline is added;
 *   - text that `completable` recognises as a record cut exactly before its closing brace: the brace
 *     and newline are added (nothing was lost);
 *   - anything else is moved to `<file>.torn` (a JSON line with the time and the text, for whoever
 *     investigates) and cut off, so the file ends on a whole line again.
 */
import { appendFileSync, closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';

export type TailRepair =
  | { readonly bytes: number; readonly setAside: string }
  | { readonly bytes: number; readonly completed: 'newline' | 'run-end' };

const CHUNK = 64 * 1024;

/** The offset just after the last newline before `size` (0 when there is none). */
function lineStart(fd: number, size: number): number {
  const buf = Buffer.alloc(CHUNK);
  for (let end = size; end > 0; end -= CHUNK) {
    const from = Math.max(0, end - CHUNK);
    const n = readSync(fd, buf, 0, end - from, from);
    const at = buf.subarray(0, n).lastIndexOf(0x0a);
    if (at !== -1) return from + at + 1;
  }
  return 0;
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Ends a torn last line of `path` (see above); undefined when the file is absent, empty or whole. */
export function repairTornTail(path: string, completable: RegExp): TailRepair | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r+');
  } catch {
    return undefined; // no file yet: the first append creates it
  }
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return undefined;
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    if (last[0] === 0x0a) return undefined;
    const start = lineStart(fd, size);
    const torn = Buffer.alloc(size - start);
    readSync(fd, torn, 0, torn.length, start);
    const text = torn.toString('utf8');
    const end = (suffix: string): void => {
      writeSync(fd, suffix, size);
      fsyncSync(fd);
    };
    if (parses(text)) {
      end('\n');
      return { bytes: torn.length, completed: 'newline' };
    }
    if (completable.test(text) && parses(`${text}}`)) {
      end('}\n');
      return { bytes: torn.length, completed: 'run-end' };
    }
    const aside = `${path}.torn`;
    appendFileSync(aside, `${JSON.stringify({ time: new Date().toISOString(), offset: start, text })}\n`);
    ftruncateSync(fd, start);
    fsyncSync(fd);
    return { bytes: torn.length, setAside: aside };
  } finally {
    closeSync(fd);
  }
}

/** The run's log line for a repair: `journal: set aside a torn last line (37 bytes, …) to …`. */
export function tornTailText(repair: TailRepair, path: string): string {
  if ('setAside' in repair) return `journal: set aside a torn last line (${repair.bytes} bytes, left by a crash while appending) to ${repair.setAside}`;
  const what = repair.completed === 'newline' ? 'its newline' : 'its closing brace';
  return `journal: a crash while appending left the last line of ${path} without ${what}; completed it`;
}

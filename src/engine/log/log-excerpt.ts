/**
 * The excerpt of a failed attempt's log that the run prints under its FAILED line: the last lines a person
 * wrote or a program printed. `::pipe::` protocol lines are for pipe (a Slurm job's log holds them raw, as the
 * job printed them; a local attempt's log has them stripped already): progress and metrics lines are left out,
 * a log message shows as its text, as in a local log. Only the end of the file is read: logs of days-long
 * stages are large.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { parseMessage } from '../../stage-api/protocol.js';

/** How much of the log's end is read for the excerpt. */
const TAIL_BYTES = 256 * 1024;

/** The lines a person reads, from the end of a log's text. */
export function excerptLines(text: string, lines = 15): string[] {
  const readable: string[] = [];
  for (const line of text.trimEnd().split('\n')) {
    const m = parseMessage(line);
    if (m === undefined) readable.push(line);
    else if (m.type === 'log') readable.push(m.message);
  }
  return readable.slice(-lines);
}

/** The last `lines` readable lines of the log at `path` ('' when it cannot be read). */
export function logExcerpt(path: string, lines = 15): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return '';
  }
  try {
    const size = statSync(path).size;
    const length = Math.min(size, TAIL_BYTES);
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, size - length);
    let text = buf.toString('utf8');
    // Started mid-file: the first line is a fragment.
    if (length < size) text = text.slice(text.indexOf('\n') + 1);
    return excerptLines(text, lines).join('\n');
  } catch {
    return '';
  } finally {
    closeSync(fd);
  }
}

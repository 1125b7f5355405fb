/**
 * The `::pipe::` line protocol: a stage (built-in or shell) reports to the engine by printing lines
 *   ::pipe:: {"type":"progress","done":412,"total":1000,"unit":"epoch","values":{"loss":-0.81}}
 *   ::pipe:: {"type":"progress","done":2,"total":5,"unit":"case","within":{"done":40,"total":216,"unit":"tiles"}}
 *   ::pipe:: {"type":"metrics","values":{"dice":0.93}}
 *   ::pipe:: {"type":"log","message":"loaded 131 cases"}
 * on stdout. Any other line is plain log output. A malformed `::pipe::` line is logged, not fatal.
 */
import type { Progress } from './types.js';

export const PREFIX = '::pipe:: ';

export type PipeMessage =
  | ({ readonly type: 'progress' } & Progress)
  | { readonly type: 'metrics'; readonly values: Readonly<Record<string, number | string>> }
  | { readonly type: 'log'; readonly message: string };

/** One protocol line, newline included. */
export function encodeMessage(message: PipeMessage): string {
  return `${PREFIX}${JSON.stringify(message)}\n`;
}

/** The message on `line`, or undefined when it is not a (valid) protocol line. */
export function parseMessage(line: string): PipeMessage | undefined {
  if (!line.startsWith(PREFIX)) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(line.slice(PREFIX.length));
  } catch {
    return undefined;
  }
  if (v === null || typeof v !== 'object') return undefined;
  const m = v as Record<string, unknown>;
  switch (m['type']) {
    case 'progress':
      return typeof m['done'] === 'number' && typeof m['unit'] === 'string' ? (m as unknown as PipeMessage) : undefined;
    case 'metrics':
      return m['values'] !== null && typeof m['values'] === 'object' ? (m as unknown as PipeMessage) : undefined;
    case 'log':
      return typeof m['message'] === 'string' ? (m as unknown as PipeMessage) : undefined;
    default:
      return undefined;
  }
}

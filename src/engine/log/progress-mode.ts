/**
 * How a run shows progress (`--progress`): `tty` redraws a live footer (one line per running
 * instance), `plain` prints progress lines for logs (plain-progress.ts), `none` prints only the
 * start/end lines; `auto` is tty when the output is a terminal, else plain.
 */
import { PLAIN_PROGRESS_MS } from './plain-progress.js';

export const PROGRESS_MODES = ['auto', 'tty', 'plain', 'none'] as const;
export type ProgressMode = (typeof PROGRESS_MODES)[number];
export type ResolvedProgressMode = Exclude<ProgressMode, 'auto'>;

export function isProgressMode(value: string): value is ProgressMode {
  return (PROGRESS_MODES as readonly string[]).includes(value);
}

export function resolveProgressMode(mode: ProgressMode, out: NodeJS.WritableStream): ResolvedProgressMode {
  if (mode !== 'auto') return mode;
  return 'isTTY' in out && out.isTTY === true ? 'tty' : 'plain';
}

/** The plain-progress interval: env PIPE_PROGRESS_PLAIN_MS (ms, > 0), else 30 s; undefined when the value is malformed. */
export function plainProgressInterval(env: Readonly<Record<string, string | undefined>>): number | undefined {
  const raw = env['PIPE_PROGRESS_PLAIN_MS'];
  if (raw === undefined || raw === '') return PLAIN_PROGRESS_MS;
  const ms = Number(raw);
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

/** `--progress=auto|tty|plain|none` and env PIPE_PROGRESS_PLAIN_MS -> the terminal logger's progress options; bad values exit 2. */
import { PipelineError } from '../config/diagnostics.js';
import { isProgressMode, plainProgressInterval, PROGRESS_MODES, type ProgressMode } from '../log/progress-mode.js';

export interface ProgressOptions {
  readonly mode: ProgressMode;
  readonly plainIntervalMs: number;
}

export function progressOptions(value: string | undefined, env: Readonly<Record<string, string | undefined>> = process.env): ProgressOptions {
  const mode = value ?? 'auto';
  if (!isProgressMode(mode)) throw new PipelineError([{ message: `Expected ${PROGRESS_MODES.join(', ')} for --progress but received "${mode}"` }]);
  const plainIntervalMs = plainProgressInterval(env);
  if (plainIntervalMs === undefined) {
    throw new PipelineError([{ message: `Expected a positive number of milliseconds for PIPE_PROGRESS_PLAIN_MS but received "${env['PIPE_PROGRESS_PLAIN_MS'] ?? ''}"` }]);
  }
  return { mode, plainIntervalMs };
}

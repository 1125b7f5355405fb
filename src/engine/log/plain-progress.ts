/**
 * Progress for logs (nohup, Slurm, CI: no terminal to redraw): a line per running instance at a
 * steady interval, and when its count advances (an epoch ends, a case is done), but never two lines
 * for one instance within the interval. An instance quiet since its start still gets a line per
 * interval (its elapsed time), so a log shows that it is alive. Pure: the clock is injected and the
 * caller calls `tick()` (terminal.ts does, from a timer).
 */
import type { Progress } from '../../stage-api/types.js';

/** Default interval of plain progress lines; env PIPE_PROGRESS_PLAIN_MS overrides. */
export const PLAIN_PROGRESS_MS = 30_000;

interface Running {
  readonly started: number;
  /** When this instance's last line (or its start line) was printed. */
  lastLine: number;
  /** The count at the last line, to notice when it advances. */
  lastDone?: number;
  progress?: Progress;
  text?: string;
}

export class PlainProgress {
  readonly #intervalMs: number;
  readonly #print: (stage: string, elapsedMs: number, text: string | undefined) => void;
  readonly #now: () => number;
  readonly #running = new Map<string, Running>();

  constructor(intervalMs: number, print: (stage: string, elapsedMs: number, text: string | undefined) => void, now: () => number = Date.now) {
    this.#intervalMs = intervalMs;
    this.#print = print;
    this.#now = now;
  }

  /** The start line was just printed: the first progress line comes an interval later at the earliest. */
  started(stage: string): void {
    const t = this.#now();
    this.#running.set(stage, { started: t, lastLine: t });
  }

  finished(stage: string): void {
    this.#running.delete(stage);
  }

  /** A new progress record (`text`: how it is shown); prints at once when its count advanced and the interval has passed. */
  update(stage: string, progress: Progress, text: string): void {
    const r = this.#running.get(stage);
    if (r === undefined) return;
    r.progress = progress;
    r.text = text;
    if (progress.done !== r.lastDone) this.#maybePrint(stage, r);
  }

  /** Prints a line for every instance whose last line is an interval old. */
  tick(): void {
    for (const [stage, r] of this.#running) this.#maybePrint(stage, r);
  }

  #maybePrint(stage: string, r: Running): void {
    const t = this.#now();
    if (t - r.lastLine < this.#intervalMs) return;
    r.lastLine = t;
    if (r.progress !== undefined) r.lastDone = r.progress.done;
    this.#print(stage, t - r.started, r.text);
  }
}

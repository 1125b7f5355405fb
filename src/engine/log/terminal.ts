/**
 * The concise human view: one line when an instance starts or finishes, the tail of a failed
 * attempt's log, and a summary. Progress (progress-mode.ts): on a terminal (`tty`), running
 * instances get a live footer (one line each: progress, ETA) redrawn in place; in logs (`plain`),
 * a line per running instance every interval and when its count advances, never more often
 * (plain-progress.ts); `none` shows no progress.
 */
import type { Logger } from './logger.js';
import { PlainProgress, PLAIN_PROGRESS_MS } from './plain-progress.js';
import { resolveProgressMode, type ProgressMode } from './progress-mode.js';
import { failureText } from './failure-text.js';
import { progressText } from './progress-text.js';
import { formatDuration } from '../../util/duration.js';
import { unreachable } from '../../util/unreachable.js';

/** The live footer is redrawn at most this often. */
const REDRAW_MS = 250;

export interface TerminalOptions {
  /** Default `auto`: `tty` when `out` is a terminal, else `plain`. */
  readonly progress?: ProgressMode;
  /** Interval of plain progress lines (default 30 s). */
  readonly plainIntervalMs?: number;
}

export function terminalLogger(out: NodeJS.WriteStream | NodeJS.WritableStream = process.stdout, options: TerminalOptions = {}): Logger {
  const mode = resolveProgressMode(options.progress ?? 'auto', out);
  const tty = mode === 'tty';
  const live = new Map<string, { started: number; text: string; first?: { at: number; done: number } }>();
  let footerLines = 0;
  let lastDraw = 0;
  // Keeps the footer's elapsed times moving (tty), prints due plain lines (plain); unref'd so it never holds the process.
  let ticker: NodeJS.Timeout | undefined;
  const pad = (s: string): string => s.padEnd(24);
  const plainInterval = options.plainIntervalMs ?? PLAIN_PROGRESS_MS;
  const plain = mode === 'plain'
    ? new PlainProgress(plainInterval, (stage, elapsedMs, text) => out.write(`  ...    ${pad(stage)} ${formatDuration(elapsedMs).padEnd(7)} ${text ?? 'running'}\n`))
    : undefined;

  const clearFooter = (): void => {
    if (footerLines > 0) out.write(`\x1b[${footerLines}A\x1b[J`);
    footerLines = 0;
  };
  const drawFooter = (): void => {
    if (!tty) return;
    const width = 'columns' in out && typeof out.columns === 'number' ? out.columns : 120;
    const lines = [...live].map(([stage, s]) => `  run    ${pad(stage)} ${formatDuration(Date.now() - s.started).padEnd(7)} ${s.text}`.slice(0, width - 1));
    if (lines.length > 0) out.write(`${lines.join('\n')}\n`);
    footerLines = lines.length;
    lastDraw = Date.now();
  };
  const w = (line: string): void => {
    clearFooter();
    out.write(`${line}\n`);
    drawFooter();
  };

  return {
    runStarted: (i) => w(`pipe: ${i.pipeline}: ${i.instances} instance(s), store ${i.store}`),
    stageStarted: (e) => {
      live.set(e.stage, { started: Date.now(), text: '' });
      if (ticker === undefined && (tty || plain)) {
        ticker = setInterval(() => {
          if (plain) return plain.tick();
          clearFooter();
          drawFooter();
        }, tty ? 1000 : Math.max(50, Math.min(1000, plainInterval / 5)));
        ticker.unref();
      }
      w(`  start  ${pad(e.stage)} key ${e.key.slice(0, 12)}${e.attempt > 1 ? ` attempt ${e.attempt}` : ''}${e.resume ? ' (resuming)' : ''}${e.devices.length ? ` ${e.deviceKind}:${e.devices.join(',')}` : ''}`);
      plain?.started(e.stage);
    },
    stageFinished: (e) => {
      live.delete(e.stage);
      plain?.finished(e.stage);
      const d = e.durationMs !== undefined ? ` ${formatDuration(e.durationMs)}` : '';
      const why = e.failure !== undefined ? failureText(e.failure) : '';
      switch (e.outcome) {
        case 'ran':
          return w(`  done   ${pad(e.stage)} ran${d}`);
        case 'cached':
          return w(`  cached ${pad(e.stage)} key ${e.key.slice(0, 12)}`);
        case 'skipped':
          return w(`  skip   ${pad(e.stage)} ${why}`);
        case 'interrupted':
          return w(`  intr   ${pad(e.stage)} interrupted${d}`);
        case 'failed':
          w(`  FAILED ${pad(e.stage)} ${why}${e.attempts && e.attempts > 1 ? ` (${e.attempts} attempts)` : ''}${e.log ? `\n         log: ${e.log}` : ''}`);
          if (e.tail) w(e.tail.split('\n').map((l) => `         | ${l}`).join('\n'));
          return;
        default:
          return unreachable(e.outcome);
      }
    },
    progress: (e) => {
      const now = Date.now();
      const s = live.get(e.stage);
      if (s) {
        s.first ??= { at: now, done: e.progress.done };
        const rate = now > s.first.at ? (e.progress.done - s.first.done) / (now - s.first.at) : undefined;
        s.text = progressText(e.progress, rate);
      }
      if (tty && now - lastDraw >= REDRAW_MS) {
        clearFooter();
        drawFooter();
      }
      if (s) plain?.update(e.stage, e.progress, s.text);
    },
    stageRequeued: (e) => w(`  requeue ${pad(e.stage)} ${e.message}`),
    info: (m) => w(`pipe: ${m}`),
    planned: (e) => w(`  ${e.verdict.padEnd(6)} ${pad(e.stage)} key ${e.key.slice(0, 12)}${e.reasons.length ? ` (${e.reasons.join('; ')})` : ''}${e.devices.length ? ` ${e.deviceKind}:${e.devices.join(',')}` : ''}\n         ${e.command}`),
    runFinished: (s) => {
      live.clear();
      if (ticker) clearInterval(ticker);
      ticker = undefined;
      w(`pipe: ${s.ran} ran, ${s.cached} cached, ${s.failed} failed, ${s.skipped} skipped${s.interrupted ? `, ${s.interrupted} interrupted` : ''} in ${formatDuration(s.durationMs)}`);
    },
  };
}

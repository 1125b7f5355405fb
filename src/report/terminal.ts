/**
 * The concise human view: one line when an instance starts or finishes, throttled progress lines,
 * the tail of a failed attempt's log, and a summary. Writes to the given stream (stdout by default).
 */
import type { Logger } from './logger.js';
import { progressText } from './progress-text.js';
import { formatDuration } from '../util/duration.js';
import { unreachable } from '../util/unreachable.js';

export function terminalLogger(out: NodeJS.WritableStream = process.stdout, progressEveryMs = 10_000): Logger {
  const lastProgress = new Map<string, number>();
  const w = (line: string): void => {
    out.write(`${line}\n`);
  };
  const pad = (s: string): string => s.padEnd(24);
  return {
    runStarted: (i) => w(`pipe: ${i.pipeline}: ${i.instances} instance(s), store ${i.store}`),
    stageStarted: (e) =>
      w(`  start  ${pad(e.stage)} key ${e.key.slice(0, 12)}${e.attempt > 1 ? ` attempt ${e.attempt}` : ''}${e.resume ? ' (resuming)' : ''}${e.devices.length ? ` ${e.deviceKind}:${e.devices.join(',')}` : ''}`),
    stageFinished: (e) => {
      const d = e.durationMs !== undefined ? ` ${formatDuration(e.durationMs)}` : '';
      switch (e.outcome) {
        case 'ran':
          return w(`  done   ${pad(e.stage)} ran${d}`);
        case 'cached':
          return w(`  cached ${pad(e.stage)} key ${e.key.slice(0, 12)}`);
        case 'skipped':
          return w(`  skip   ${pad(e.stage)} ${e.error ?? ''}`);
        case 'interrupted':
          return w(`  intr   ${pad(e.stage)} interrupted${d}`);
        case 'failed':
          w(`  FAILED ${pad(e.stage)} ${e.error ?? ''}${e.attempts && e.attempts > 1 ? ` (${e.attempts} attempts)` : ''}${e.log ? `\n         log: ${e.log}` : ''}`);
          if (e.tail) w(e.tail.split('\n').map((l) => `         | ${l}`).join('\n'));
          return;
        default:
          return unreachable(e.outcome);
      }
    },
    progress: (e) => {
      const now = Date.now();
      if (now - (lastProgress.get(e.stage) ?? 0) < progressEveryMs) return;
      lastProgress.set(e.stage, now);
      w(`  ...    ${pad(e.stage)} ${progressText(e.progress)}`);
    },
    info: (m) => w(`pipe: ${m}`),
    planned: (e) => w(`  ${e.verdict.padEnd(6)} ${pad(e.stage)} key ${e.key.slice(0, 12)}${e.reasons.length ? ` (${e.reasons.join('; ')})` : ''}${e.devices.length ? ` ${e.deviceKind}:${e.devices.join(',')}` : ''}\n         ${e.command}`),
    runFinished: (s) =>
      w(`pipe: ${s.ran} ran, ${s.cached} cached, ${s.failed} failed, ${s.skipped} skipped${s.interrupted ? `, ${s.interrupted} interrupted` : ''} in ${formatDuration(s.durationMs)}`),
  };
}

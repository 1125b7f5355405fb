/** Plain progress lines for logs (issue 14, item 3): steady, on count advances, never more often than the interval. */
import { describe, expect, test } from 'vitest';
import { PlainProgress } from '../../../src/engine/log/plain-progress.js';
import { plainProgressInterval, resolveProgressMode } from '../../../src/engine/log/progress-mode.js';
import type { Progress } from '../../../src/stage-api/types.js';

/** A fake clock and the printed lines as `t stage elapsed text`. */
function rig(intervalMs: number) {
  let t = 0;
  const lines: string[] = [];
  const p = new PlainProgress(intervalMs, (stage, elapsed, text) => lines.push(`${t} ${stage} ${elapsed} ${text ?? '-'}`), () => t);
  return { p, lines, at: (ms: number) => (t = ms) };
}
const epoch = (done: number): Progress => ({ done, total: 100, unit: 'epoch' });

describe('plain progress', () => {
  test('a 3.5-minute fold with 6 s epochs: a line every 30 s, with the latest epoch', () => {
    const { p, lines, at } = rig(30_000);
    p.started('train[fold=0]');
    // Iteration records every second, an epoch ending every 6 s, a tick every second.
    for (let s = 1; s <= 210; s++) {
      at(s * 1000);
      p.update('train[fold=0]', epoch(Math.floor(s / 6)), `epoch ${Math.floor(s / 6)}/100`);
      p.tick();
    }
    expect(lines).toEqual([30, 60, 90, 120, 150, 180, 210].map((s) => `${s * 1000} train[fold=0] ${s * 1000} epoch ${s / 6}/100`));
  });

  test('an epoch end prints at once when the interval has passed since the last line, else waits for it', () => {
    const { p, lines, at } = rig(30_000);
    p.started('a');
    at(20_000);
    p.update('a', epoch(1), 'epoch 1'); // 20 s after the start line: too early
    at(45_000);
    p.update('a', epoch(2), 'epoch 2'); // 45 s: due, printed at once
    at(50_000);
    p.tick();
    p.update('a', epoch(3), 'epoch 3'); // 5 s after the last line: not yet
    at(74_000);
    p.tick();
    at(75_000);
    p.tick(); // 30 s after the last line: the latest text
    expect(lines).toEqual(['45000 a 45000 epoch 2', '75000 a 75000 epoch 3']);
  });

  test('a quiet instance still gets a line per interval; finished instances none', () => {
    const { p, lines, at } = rig(1000);
    p.started('quiet');
    at(500);
    p.started('short');
    for (const t of [999, 1000, 1400, 1500, 1999, 2000, 2600]) {
      at(t);
      if (t === 1400) p.finished('short');
      p.tick();
    }
    expect(lines).toEqual(['1000 quiet 1000 -', '2000 quiet 2000 -']);
  });

  test('never two lines for one instance within the interval, however often records come', () => {
    const { p, lines, at } = rig(500);
    p.started('x');
    for (let t = 1; t <= 5000; t += 7) {
      at(t);
      p.update('x', epoch(t), `e${t}`);
      if (t % 3 === 0) p.tick();
    }
    const times = lines.map((l) => Number(l.split(' ')[0]));
    expect(times.length).toBeGreaterThanOrEqual(9);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(500);
  });

  test('modes and the interval setting', () => {
    const file = { isTTY: false } as unknown as NodeJS.WritableStream;
    const term = { isTTY: true } as unknown as NodeJS.WritableStream;
    expect([resolveProgressMode('auto', file), resolveProgressMode('auto', term), resolveProgressMode('plain', term), resolveProgressMode('tty', file), resolveProgressMode('none', term)])
      .toEqual(['plain', 'tty', 'plain', 'tty', 'none']);
    expect([plainProgressInterval({}), plainProgressInterval({ PIPE_PROGRESS_PLAIN_MS: '250' }), plainProgressInterval({ PIPE_PROGRESS_PLAIN_MS: 'soon' }), plainProgressInterval({ PIPE_PROGRESS_PLAIN_MS: '0' })])
      .toEqual([30_000, 250, undefined, undefined]);
  });
});

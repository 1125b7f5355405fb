/**
 * `--progress` and progress off a terminal (issue 14, item 3): with stdout redirected (these tests
 * read it through a pipe), a running instance gets a line every PIPE_PROGRESS_PLAIN_MS and at its
 * epoch ends, never more often; `none` prints none; `tty` draws the live footer.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt } from '../helpers/build.js';
import { Rig } from '../helpers/rig.js';

// 25 "epochs" of 0.1 s each (~2.5 s), and a stage that reports nothing for 1.7 s.
const EPOCHS = `for i in $(seq 1 25); do sleep 0.1; echo "::pipe:: {\\"type\\":\\"progress\\",\\"done\\":$i,\\"total\\":25,\\"unit\\":\\"epoch\\"}"; done; echo > "$PIPE_OUT/x"\n`;
const PIPELINE = `stages:
  work:
    run: bash epochs.sh
  quiet:
    run: sleep 1.7; echo > \${out}/q
`;

/** The plain progress lines of `stage` and the stage's duration from its `done` line. */
function plainLines(stdout: string, stage: string): { lines: string[]; ms: number } {
  const lines = stdout.split('\n').filter((l) => l.startsWith(`  ...    ${stage} `));
  const done = new RegExp(`^ {2}done {3}${stage} +ran ([\\d.]+)(ms|s)$`, 'm').exec(stdout);
  const ms = done ? Number(done[1]) * (done[2] === 's' ? 1000 : 1) : NaN;
  return { lines, ms };
}

describe('progress modes', () => {
  const rig = new Rig();
  const INTERVAL = 500;
  beforeAll(async () => {
    await ensureBuilt();
    rig.write({ 'p.yaml': PIPELINE, 'epochs.sh': EPOCHS });
  });
  afterAll(() => rig.cleanup());

  test('off a terminal (auto): a line per running instance every interval, never more often', async () => {
    const r = await rig.run(['run', 'p.yaml', '--jobs', '2'], { PIPE_PROGRESS_PLAIN_MS: String(INTERVAL), PIPE_CACHE: rig.path('store-auto') });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('\x1b[');
    const work = plainLines(r.stdout, 'work');
    // At most one line per interval after the start line; and a steady flow of them (each interval counts
    // from the previous line, so a loaded machine that prints a line late shifts the later ones: half of
    // the most is the bound here; the exact schedule is unit-tested in plain-progress.test.ts).
    expect(work.lines.length, r.stdout).toBeLessThanOrEqual(Math.floor(work.ms / INTERVAL));
    expect(work.lines.length, r.stdout).toBeGreaterThanOrEqual(Math.max(2, Math.floor(work.ms / INTERVAL / 2)));
    expect(work.lines.at(-1), r.stdout).toMatch(/^ {2}\.{3} {4}work +[\d.]+m?s +epoch \d+\/25/);
    // A stage that reports nothing still shows it is alive.
    const quiet = plainLines(r.stdout, 'quiet');
    expect(quiet.lines.length, r.stdout).toBeGreaterThanOrEqual(2);
    expect(quiet.lines[0], r.stdout).toMatch(/^ {2}\.{3} {4}quiet +[\d.]+m?s +running$/);
  });

  test('--progress=none prints start and end lines only', async () => {
    const r = await rig.run(['run', 'p.yaml', '--progress=none'], { PIPE_PROGRESS_PLAIN_MS: '200', PIPE_CACHE: rig.path('store-none') });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/^ {2}\.{3} /m);
    expect(r.stdout).not.toContain('\x1b[');
    expect(r.stdout).toMatch(/^ {2}done {3}work/m);
  });

  test('--progress=tty draws the live footer even into a pipe; --progress plain the lines', async () => {
    const tty = await rig.run(['run', 'p.yaml', '--progress', 'tty'], { PIPE_CACHE: rig.path('store-tty') });
    expect(tty.code, tty.stderr).toBe(0);
    expect(tty.stdout).toContain('\x1b[');
    expect(tty.stdout).toMatch(/ {2}run {4}work +[\d.]+m?s +epoch \d+\/25/);
    const plain = await rig.run(['run', 'p.yaml', '--progress', 'plain'], { PIPE_PROGRESS_PLAIN_MS: '300', PIPE_CACHE: rig.path('store-plain') });
    expect(plainLines(plain.stdout, 'work').lines.length, plain.stdout).toBeGreaterThanOrEqual(3);
  });

  test('a bad mode or interval is a usage error (exit 2) that names the flag or variable', async () => {
    const mode = await rig.run(['run', 'p.yaml', '--progress=fancy']);
    expect(mode.code).toBe(2);
    expect(mode.stderr).toContain('Expected auto, tty, plain, none for --progress but received "fancy"');
    const interval = await rig.run(['run', 'p.yaml'], { PIPE_PROGRESS_PLAIN_MS: 'often' });
    expect(interval.code).toBe(2);
    expect(interval.stderr).toContain('PIPE_PROGRESS_PLAIN_MS');
    expect(rig.exists('cache')).toBe(false);
  });
});

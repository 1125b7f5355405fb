/**
 * A resumed attempt of a built-in stage is told about the attempts before it (StageContextData.
 * earlierAttempts, from the journal): a failed attempt retried in the same run, an attempt stopped by
 * Ctrl-C, and one whose runner was killed with kill -9 (closed by the watchdog), each with its wall time.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt } from '../../helpers/build.js';
import { collect, FIXTURES, Rig, waitFor } from '../../helpers/rig.js';
import type { EarlierAttempt } from '../../../src/stage-api/types.js';

const ENV = { PIPE_STAGE_MODULES: `${FIXTURES}/resumable.mjs`, PIPE_PROGRESS_INTERVAL_MS: '100' };

const pipeline = (w: string) => `stages:
  fold:
    uses: resumable
    with: ${w}
    retry: 1
`;

function attemptsOf(rig: Rig): EarlierAttempt[] | null {
  const st = rig.path('cache', 'objects');
  const dir = rig.objects()[0];
  expect(dir, 'a committed object').toBeDefined();
  return JSON.parse(readFileSync(`${st}/${dir}/attempts.json`, 'utf8')) as EarlierAttempt[] | null;
}

describe('earlier attempts reach a resumed attempt', () => {
  const rig = new Rig();
  beforeAll(ensureBuilt);
  afterAll(() => rig.cleanup());

  test('a failed attempt retried in the same run', async () => {
    rig.write({ 'p.yaml': pipeline('{fail: 1}') });
    const r = await rig.run(['run', 'p.yaml'], ENV);
    expect(r.code, r.stderr).toBe(0);
    const earlier = attemptsOf(rig);
    expect(earlier).toHaveLength(1);
    expect(earlier![0]!.outcome).toBe('failed');
    expect(earlier![0]!.seconds).toBeGreaterThanOrEqual(0.3);
    expect(earlier![0]!.seconds).toBeLessThan(30);
  });

  test('Ctrl-C, then kill -9 of the runner, then a run that finishes: two interrupted attempts', async () => {
    rmSync(rig.path('cache'), { recursive: true, force: true });
    rig.write({ 'p.yaml': pipeline('{wait: 2}') });
    for (const signal of ['SIGINT', 'SIGKILL'] as const) {
      rmSync(rig.path('started'), { force: true });
      const child = rig.spawn(['run', 'p.yaml'], ENV);
      const done = collect(child);
      await waitFor(() => existsSync(rig.path('started')), 20_000, 'the stage to start');
      await new Promise((r) => setTimeout(r, 600));
      child.kill(signal);
      const r = await done;
      expect(r.code === 130 || r.signal === 'SIGKILL', `${signal}: ${r.code} ${r.signal} ${r.stderr}`).toBe(true);
      if (signal === 'SIGKILL') {
        // The watchdog ends the stage and closes the run in the journal within about a second.
        await waitFor(() => readFileSync(rig.path('cache', 'journal.jsonl'), 'utf8').includes('the runner died'), 20_000, 'the watchdog');
      }
    }
    const r = await rig.run(['run', 'p.yaml'], ENV);
    expect(r.code, r.stderr).toBe(0);
    const earlier = attemptsOf(rig)!;
    expect(earlier.map((e) => e.outcome)).toEqual(['interrupted', 'interrupted']);
    for (const e of earlier) {
      expect(e.seconds).toBeGreaterThanOrEqual(0.4);
      expect(e.seconds).toBeLessThan(30);
    }
    expect(Date.parse(earlier[0]!.startedAt)).toBeLessThan(Date.parse(earlier[1]!.startedAt));
  });
});

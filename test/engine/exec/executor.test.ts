/**
 * The executor's last line of defence: an error nobody expected (a bug thrown from an event handler, where no
 * caller catches it) while stages run still ends their process groups, journals the run's end and releases
 * the store lock; the run exits 1 naming the internal error.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt } from '../../helpers/build.js';
import { FIXTURES, Rig } from '../../helpers/rig.js';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('an internal error during a run', () => {
  const rig = new Rig();
  beforeAll(ensureBuilt);
  afterAll(() => rig.cleanup());

  test('ends the running stages, journals the end and releases the lock', async () => {
    rig.write({ 'p.yaml': 'stages:\n  slow:\n    run: sleep 30 & echo $! > sleep.pid; wait\n    matrix: {i: [1, 2]}\n' });
    const r = await rig.run(['run', 'p.yaml'], { NODE_OPTIONS: `--import=${join(FIXTURES, 'planted-fault.mjs')}`, PLANTED_FAULT_AFTER: 'sleep.pid' });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout + r.stderr).toContain('Internal error: Error: planted fault');
    expect(rig.exists('cache/lock')).toBe(false);
    expect(alive(Number(rig.read('sleep.pid')))).toBe(false);
    expect(readdirSync(rig.path('cache', 'tmp'))).toEqual([]);
    const records = rig.read('cache/journal.jsonl').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { t: string; outcome?: string; exitCode?: number; failure?: { reason: string } });
    const ends = records.filter((x) => x.t === 'instance-end');
    expect(ends).toHaveLength(2);
    expect(ends.every((e) => e.outcome === 'failed' && e.failure?.reason === 'internal-error')).toBe(true);
    expect(records.at(-1)).toMatchObject({ t: 'run-end', exitCode: 1 });
  });
});

/** Two runs on one store: the second refuses at once naming the holder (or waits); a dead holder's lock is taken over. */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../../helpers/build.js';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt } from '../../helpers/build.js';
import { collect, Rig, waitFor } from '../../helpers/rig.js';

describe('store lock', () => {
  const rig = new Rig();
  beforeAll(async () => {
    await ensureBuilt();
    rig.write({
      'slow.yaml': 'stages:\n  slow:\n    run: sleep 2; echo done > ${out}/x\n',
      'quick.yaml': 'stages:\n  quick:\n    run: echo quick > ${out}/x\n',
    });
  });
  afterAll(() => rig.cleanup());

  test('a second run is refused with the holder named; --wait queues behind it', async () => {
    const first = rig.spawn(['run', 'slow.yaml']);
    const firstDone = collect(first);
    await waitFor(() => rig.exists('cache/lock'), 10_000, 'lock');
    const second = await rig.run(['run', 'quick.yaml']);
    expect(second.code).toBe(3);
    expect(second.stderr).toContain(`store is locked by PID ${first.pid} on ${hostname()} (pipe run slow.yaml)`);
    const waited = await rig.run(['run', 'quick.yaml', '--wait']);
    expect(waited.code, waited.stderr).toBe(0);
    expect((await firstDone).code).toBe(0);
    expect(rig.exists('cache/lock')).toBe(false);
  });

  test('a lock left by a dead process is taken over', async () => {
    const dead = spawnSync('true').pid;
    rig.write({ 'cache/lock': JSON.stringify({ pid: dead, pidStart: '1', host: hostname(), command: 'pipe run old.yaml', since: '2026-01-01T00:00:00Z' }) });
    const r = await rig.run(['run', 'quick.yaml']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`took over a stale lock of PID ${dead} (pipe run old.yaml)`);
  });

  test('runners racing to take over one stale lock: exactly one wins', async () => {
    const lock = rig.path('race', 'lock');
    const dead = spawnSync('true').pid;
    rig.write({ 'race/lock': JSON.stringify({ pid: dead, pidStart: '1', host: hostname(), command: 'old', since: 'x' }) });
    const script = `import { acquireLock } from ${JSON.stringify(join(ROOT, 'dist', 'engine', 'cache', 'lock.js'))};
      const h = await acquireLock(${JSON.stringify(lock)}, 'race').catch(() => null);
      console.log(h ? 'won' : 'lost');
      if (h) setTimeout(() => h.release(), 1500);`;
    const results = await Promise.all(Array.from({ length: 6 }, () => new Promise<string>((resolve) => {
      let out = '';
      const c = spawn(process.execPath, ['--input-type=module', '-e', script]);
      c.stdout.on('data', (d: Buffer) => (out += d.toString()));
      c.on('close', () => resolve(out.trim()));
    })));
    expect(results.filter((r) => r === 'won')).toHaveLength(1);
    expect(results.filter((r) => r === 'lost')).toHaveLength(5);
  });
});

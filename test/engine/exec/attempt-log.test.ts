/**
 * Attempt logs: every attempt of every run keeps its own log (a rerun never overwrites the log a failed
 * attempt's journal entry points at), and log names stay within the file system's limit whatever the stage
 * id: a readable prefix, the tail hashed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt } from '../../helpers/build.js';
import { Rig } from '../../helpers/rig.js';

interface EndRecord { t: string; stage: string; outcome: string; log?: string }

function ends(rig: Rig): EndRecord[] {
  return rig.read('cache/journal.jsonl').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as EndRecord).filter((r) => r.t === 'instance-end');
}

describe('attempt logs', () => {
  const rigs: Rig[] = [];
  const newRig = (files: Record<string, string>): Rig => {
    const rig = new Rig();
    rig.write(files);
    rigs.push(rig);
    return rig;
  };
  beforeAll(ensureBuilt);
  afterAll(() => {
    for (const r of rigs) r.cleanup();
  });

  test('a rerun of a failed stage keeps the failed attempt\'s log, which the journal still points at', async () => {
    // Each attempt fails with its own words (call 1, 2 in the first run, 3, 4 in the second): none may be lost.
    const rig = newRig({ 'p.yaml': 'stages:\n  refuse:\n    run: n=$(( $(cat n 2>/dev/null || echo 0) + 1 )); echo $n > n; echo "call $n refused" >&2; exit 3\n    retry: 1\n' });
    const first = await rig.run(['run', 'p.yaml']);
    expect(first.code, first.stdout + first.stderr).toBe(1);
    const second = await rig.run(['run', 'p.yaml']);
    expect(second.code).toBe(1);
    // Two runs of two attempts each: four logs.
    expect(readdirSync(rig.path('cache', 'logs'))).toHaveLength(4);
    const [end1, end2] = ends(rig);
    expect(end1?.log).not.toBe(end2?.log);
    expect(readFileSync(end1?.log ?? '', 'utf8')).toContain('call 2 refused');
    expect(readFileSync(end2?.log ?? '', 'utf8')).toContain('call 4 refused');
  });

  test('a stage id of 240 characters with a matrix runs, under bounded log names with a readable prefix', async () => {
    const id = `s${'a'.repeat(239)}`;
    const rig = newRig({ 'p.yaml': `stages:\n  ${id}:\n    run: echo \${matrix.i} > \${out}/x.txt\n    outputs: [x.txt]\n    matrix: {i: [1, 2]}\n` });
    const r = await rig.run(['run', 'p.yaml']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(rig.objects()).toHaveLength(2);
    const logs = readdirSync(rig.path('cache', 'logs'));
    expect(logs).toHaveLength(2);
    for (const name of logs) {
      expect(name.length).toBeLessThanOrEqual(128);
      expect(name.startsWith('saaaaaaaaaaaaaaaaaaa')).toBe(true);
    }
    // The two instances differ only in the hashed tail of their names: their logs must not collide.
    expect(new Set(logs.map((n) => n.split('.')[0])).size).toBe(2);
    expect(rig.exists('cache/lock')).toBe(false);
    expect(readdirSync(rig.path('cache', 'tmp'))).toEqual([]);
  });
});

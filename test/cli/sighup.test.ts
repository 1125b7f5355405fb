/**
 * SIGHUP (a lost SSH session) is handled as SIGTERM (issue 23, item 6): pipe sends its stages SIGTERM
 * (a trainer checkpoints on the way out), waits for them, records the run as interrupted and exits
 * 129; nothing of the stage survives. Before, Node's default action killed pipe at once, like kill -9:
 * the watchdog ended the stages and the run was recorded as killed (exit 137).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt } from '../helpers/build.js';
import { collect, Rig, waitFor } from '../helpers/rig.js';
import { isProcessAlive } from '../../src/util/process-info.js';

const PIPELINE = `name: hup
stages:
  train:
    run: 'trap "echo checkpoint >> term.log; exit 143" TERM; echo $$ > stage.pid; while true; do sleep 0.1; done'
`;

interface RunRecord {
  readonly t: string;
  readonly exitCode?: number;
  readonly outcome?: string;
  readonly error?: string;
}

describe('SIGHUP', () => {
  const rig = new Rig();
  beforeAll(async () => {
    await ensureBuilt();
    rig.write({ 'p.yaml': PIPELINE });
  });
  afterAll(() => rig.cleanup());

  test('stops the stages as SIGTERM does (they checkpoint), records the run as interrupted, exits 129', async () => {
    const child = rig.spawn(['run', 'p.yaml']);
    const done = collect(child);
    await waitFor(() => rig.exists('stage.pid') && rig.read('stage.pid').trim() !== '', 15_000, 'stage to start');
    const stage = Number(rig.read('stage.pid').trim());
    child.kill('SIGHUP');
    const r = await done;
    expect(r.signal, r.stderr).toBeNull();
    expect(r.code, r.stderr).toBe(129);
    expect(r.stderr).toContain('pipe: SIGHUP: stopping running stages');
    expect(rig.read('term.log')).toBe('checkpoint\n');
    expect(isProcessAlive(stage)).toBe(false);
    const records = rig.read('cache/journal.jsonl').trim().split('\n').map((l) => JSON.parse(l) as RunRecord);
    expect(records.filter((x) => x.t === 'run-end').map((x) => x.exitCode)).toEqual([129]);
    const end = records.find((x) => x.t === 'instance-end');
    expect(end?.outcome).toBe('interrupted');
    expect(end?.error).toBeUndefined();
    const st = await rig.run(['status', 'p.yaml']);
    expect(st.stdout).toMatch(/\(interrupted\)/);
  });
});

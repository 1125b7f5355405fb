/** Retry, fail-fast and keep-going, and how failures show in status. */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt } from '../../helpers/build.js';
import { collect, outcomes, Rig, waitFor } from '../../helpers/rig.js';

function pipeline(fold3: string, retry: number): string {
  return `stages:
  train:
    run: node $FIXTURES/step.mjs "train[\${matrix.fold}]" model.txt "fold \${matrix.fold}" ${fold3}
    matrix: {fold: [0, 1, 2, 3, 4]}
    retry: ${retry}
  validate:
    run: node $FIXTURES/step.mjs "validate[\${matrix.fold}]" val.txt "val \${matrix.fold}"
    needs: [train]
    matrix: {fold: [0, 1, 2, 3, 4]}
  report:
    run: echo report > \${out}/r.txt
    needs: [validate]
`;
}

describe('failures', () => {
  let rig: Rig;
  beforeAll(ensureBuilt);
  afterAll(() => rig?.cleanup());

  test('retry: a stage that fails once is retried and succeeds', async () => {
    rig = new Rig();
    // Every fold fails its first attempt (one marker per fold), retry: 1 makes them all succeed.
    rig.write({ 'p.yaml': pipeline('--fail-first "first-${matrix.fold}"', 1) });
    const r = await rig.run(['run', 'p.yaml', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(Object.values(outcomes(r.stdout)).every((o) => o === 'ran')).toBe(true);
    expect(rig.calls().filter((l) => l === 'train[3]')).toHaveLength(2);
    rig.cleanup();
  });

  test('keep-going: independent branches finish, dependents of the failure are skipped', async () => {
    rig = new Rig();
    rig.write({ 'p.yaml': pipeline('$( [ ${matrix.fold} = 3 ] && echo --fail )', 1) });
    const r = await rig.run(['run', 'p.yaml', '--json', '--keep-going', '--jobs', '2']);
    expect(r.code).toBe(1);
    const o = outcomes(r.stdout);
    for (const f of [0, 1, 2, 4]) {
      expect(o[`train[fold=${f}]`]).toBe('ran');
      expect(o[`validate[fold=${f}]`]).toBe('ran');
    }
    expect(o['train[fold=3]']).toBe('failed');
    expect(o['validate[fold=3]']).toBe('skipped');
    expect(o['report']).toBe('skipped');
    expect(rig.calls().filter((l) => l === 'train[3]')).toHaveLength(2);
    const st = JSON.parse((await rig.run(['status', 'p.yaml', '--json'])).stdout) as { stages: { stage: string; state: string; reason: string; log: string }[] };
    const t3 = st.stages.find((s) => s.stage === 'train[fold=3]');
    expect(t3?.state).toBe('failed');
    expect(t3?.reason).toMatch(/^exit 1, 2 attempt\(s\); log: .*train_fold=3_\.[0-9a-f]{12}\.\d{8}T\d{6}-[0-9a-f]{6}\.2\.log$/);
    expect(existsSync(t3?.log ?? '')).toBe(true);
    expect(rig.objects()).toHaveLength(8);
  });

  test('without keep-going, nothing new starts after a failure', async () => {
    const r = await rig.run(['run', 'p.yaml', '--json', '--jobs', '1']);
    expect(r.code).toBe(1);
    const o = outcomes(r.stdout);
    expect(o['train[fold=3]']).toBe('failed');
    expect(o['validate[fold=3]']).toBe('skipped');
    expect(o['report']).toBe('skipped');
  });

  test('a timeout ends the attempt (and its process group) and fails the instance', async () => {
    rig.write({ 't.yaml': 'stages:\n  slow:\n    run: sleep 30 & echo $! > slow.pid; wait\n    timeout: 500ms\n' });
    const r = await rig.run(['run', 't.yaml']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('timed out after 0.5s');
    const pid = Number(rig.read('slow.pid'));
    expect(() => process.kill(pid, 0)).toThrow();
  });

  test('SIGTERM stops the run with exit code 143', async () => {
    rig.write({ 'term.yaml': 'stages:\n  slow:\n    run: echo started > started.txt; sleep 30\n' });
    const child = rig.spawn(['run', 'term.yaml']);
    const done = collect(child);
    await waitFor(() => rig.exists('started.txt'), 15_000, 'stage start');
    child.kill('SIGTERM');
    expect((await done).code).toBe(143);
  });
});

/** Target selection (`pipe run FILE STAGE...`) and `pipe resume` without a file (the last run in ./cache). */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt } from '../helpers/build.js';
import { outcomes, Rig } from '../helpers/rig.js';

const PIPELINE = `stages:
  prep:
    run: echo prep >> calls.log; echo p > \${out}/p
  train:
    run: echo "train \${matrix.fold}" >> calls.log; echo \${matrix.fold} > \${out}/m
    needs: [prep]
    matrix: {fold: [0, 1, 2]}
  report:
    run: echo report >> calls.log; echo r > \${out}/r
    needs: [train]
`;

describe('targets and resume', () => {
  const rig = new Rig();
  beforeAll(async () => {
    await ensureBuilt();
    rig.write({ 'p.yaml': PIPELINE });
  });
  afterAll(() => rig.cleanup());

  test('naming an instance runs it and what it needs, nothing else', async () => {
    const r = await rig.run(['run', 'p.yaml', 'train[fold=1]', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(outcomes(r.stdout)).toEqual({ prep: 'ran', 'train[fold=1]': 'ran' });
    const st = JSON.parse((await rig.run(['status', 'p.yaml', '--json'])).stdout) as { stages: { stage: string; state: string }[] };
    expect(st.stages.map((s) => `${s.stage}:${s.state}`)).toEqual(['prep:done', 'train[fold=0]:pending', 'train[fold=1]:done', 'train[fold=2]:pending', 'report:pending']);
  });

  test('resume without a file repeats the last run recorded in ./cache, with its targets', async () => {
    const r = await rig.run(['resume', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(outcomes(r.stdout)).toEqual({ prep: 'cached', 'train[fold=1]': 'cached' });
    const all = await rig.run(['run', 'p.yaml', 'report', '--json']);
    expect(Object.values(outcomes(all.stdout)).filter((o) => o === 'ran')).toHaveLength(3);
    expect(rig.calls()).toHaveLength(5);
  });

  test('status without a file shows the last run\'s pipeline', async () => {
    const r = await rig.run(['status', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { pipeline: string }).pipeline).toBe(rig.path('p.yaml'));
  });

  test('resume with no recorded run is a usage error', async () => {
    const r = await rig.run(['resume'], { PIPE_CACHE: rig.path('empty-store') });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no earlier run found in the store');
  });
});

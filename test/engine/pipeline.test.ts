/**
 * End to end through `node bin/pipe.js`: the five-stage, five-fold pipeline runs, a second run is
 * all cached, and edits rerun exactly what depends on them (params, inputs), while cosmetic edits
 * and device changes rerun nothing.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt } from '../helpers/build.js';
import { fiveStage } from '../helpers/pipelines.js';
import { jsonLines, outcomes, Rig } from '../helpers/rig.js';

const TRAIN = [0, 1, 2, 3, 4].map((f) => `train[fold=${f}]`);
const VALIDATE = [0, 1, 2, 3, 4].map((f) => `validate[fold=${f}]`);

function ran(o: Record<string, string>): string[] {
  return Object.entries(o).filter(([, v]) => v === 'ran').map(([k]) => k).sort();
}

function snapshot(dir: string): string {
  const out: string[] = [];
  const visit = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) visit(p);
      else out.push(`${p} ${statSync(p).size} ${statSync(p).mtimeMs}`);
    }
  };
  visit(dir);
  return out.sort().join('\n');
}

describe('five-stage pipeline with a five-fold matrix', () => {
  const rig = new Rig();
  beforeAll(async () => {
    await ensureBuilt();
    rig.write({ 'p.yaml': fiveStage(), 'input.txt': 'raw data\n', 'val.cfg': 'threshold 0.5\n' });
  });
  afterAll(() => rig.cleanup());

  test('runs all 13 instances, then a second run executes nothing', async () => {
    {
      // First run: everything runs once.
      const r = await rig.run(['run', 'p.yaml', '--json', '--jobs', '2']);
      expect(r.code, r.stderr + r.stdout).toBe(0);
      expect(ran(outcomes(r.stdout))).toHaveLength(13);
      expect(rig.calls()).toHaveLength(13);
    }
    {
      // Second run: all cached, nothing invoked.
      const r = await rig.run(['run', 'p.yaml', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const o = outcomes(r.stdout);
      expect(Object.values(o).filter((v) => v === 'cached')).toHaveLength(13);
      expect(rig.calls()).toHaveLength(13);
      const finished = jsonLines(r.stdout).find((e) => e['event'] === 'run-finished');
      expect(finished).toMatchObject({ ran: 0, cached: 13, failed: 0 });
      console.log(`no-op second run of 13 instances took ${r.ms} ms (wall, including node start)`);
    }
    {
      // The report combines the five validations in fold order.
      const st = JSON.parse((await rig.run(['status', 'p.yaml', '--json'])).stdout) as { stages: { stage: string; state: string; key: string; out: string }[] };
      expect(st.stages).toHaveLength(13);
      for (const s of st.stages) expect(['done', 'cached']).toContain(s.state);
      const report = st.stages.find((s) => s.stage === 'report');
      expect(rig.read(join(report?.out ?? '', 'report.txt').slice(rig.dir.length + 1))).toMatch(/^val 0\nbs=2 fold=0 n=1\nplan hello\nconverted\nraw data\nthreshold 0.5\nval 1\n/);
    }
  });

  test('cosmetic edits (comments, key order, blank lines) change no key', async () => {
    const text = fiveStage().replace('name: five\n', '\n# reordered\n').replace('stages:\n', 'name: five\n\nstages:   # the stages\n');
    rig.write({ 'p.yaml': text });
    const r = await rig.run(['run', 'p.yaml', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(ran(outcomes(r.stdout))).toEqual([]);
  });

  test('a param edit makes exactly its dependents stale, explains why, and reruns exactly them', async () => {
    rig.write({ 'p.yaml': fiveStage({ batchSize: 4 }) });
    {
      // status: train x5 stale for the param, validate x5 and report stale through their upstream.
      const st = JSON.parse((await rig.run(['status', 'p.yaml', '--json'])).stdout) as { stages: { stage: string; state: string; reason: string | null }[] };
      const byStage = Object.fromEntries(st.stages.map((s) => [s.stage, s]));
      expect(byStage['convert']?.state).toMatch(/done|cached/);
      expect(byStage['plan']?.state).toMatch(/done|cached/);
      for (const t of TRAIN) expect(byStage[t]).toMatchObject({ state: 'stale', reason: 'params: batch_size 2->4' });
      for (const v of VALIDATE) expect(byStage[v]?.reason).toMatch(/^upstream train\[fold=\d\]: params: batch_size 2->4$/);
      expect(byStage['report']?.state).toBe('stale');
    }
    {
      // --why gives the field-level diff.
      const r = await rig.run(['status', 'p.yaml', '--why', 'train[fold=2]']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('params.batch_size: 2 -> 4');
      expect(r.stdout).toMatch(/command: ".*bs=2 fold=2.*" -> ".*bs=4 fold=2.*"/);
    }
    {
      // --dry-run --json lists verdicts and writes nothing.
      const before = snapshot(rig.path('cache'));
      const r = await rig.run(['run', 'p.yaml', '--dry-run', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const planned = jsonLines(r.stdout).filter((e) => e['event'] === 'planned');
      expect(planned).toHaveLength(13);
      const stale = planned.filter((e) => e['verdict'] === 'stale').map((e) => e['stage']);
      expect(stale.sort()).toEqual([...TRAIN, ...VALIDATE, 'report'].sort());
      expect(planned.find((e) => e['stage'] === 'train[fold=1]')).toMatchObject({ reasons: ['params: batch_size 2->4'], devices: expect.any(Array), deviceKind: 'cpu' });
      expect(String(planned.find((e) => e['stage'] === 'train[fold=1]')?.['command'])).toContain('bs=4 fold=1 n=${resources.devices}');
      expect(snapshot(rig.path('cache'))).toBe(before);
    }
    {
      // The run executes exactly those 11.
      const callsBefore = rig.calls().length;
      const r = await rig.run(['run', 'p.yaml', '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(ran(outcomes(r.stdout))).toEqual([...TRAIN, ...VALIDATE, 'report'].sort());
      expect(rig.calls().slice(callsBefore).sort()).toEqual(['report', ...[0, 1, 2, 3, 4].map((f) => `train[${f}]`), ...[0, 1, 2, 3, 4].map((f) => `validate[${f}]`)].sort());
    }
    {
      // --set on the command line is an edit like any other: back to 2 is all cached (old objects kept).
      const r = await rig.run(['run', 'p.yaml', '--json', '--set', 'params.batch_size=2']);
      expect(r.code, r.stderr).toBe(0);
      expect(ran(outcomes(r.stdout))).toEqual([]);
    }
  });

  test('editing a declared input reruns exactly the stages that read it and their dependents', async () => {
    rig.write({ 'val.cfg': 'threshold 0.7\n' });
    const st = JSON.parse((await rig.run(['status', 'p.yaml', '--json'])).stdout) as { stages: { stage: string; state: string; reason: string | null }[] };
    expect(st.stages.find((s) => s.stage === 'validate[fold=0]')).toMatchObject({ state: 'stale', reason: 'inputs: val.cfg changed' });
    const r = await rig.run(['run', 'p.yaml', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(ran(outcomes(r.stdout))).toEqual([...VALIDATE, 'report'].sort());
  });

  test('changing devices (flag or resources.devices) reruns nothing', async () => {
    rig.write({ 'p.yaml': fiveStage({ batchSize: 4, devices: 2 }) });
    const r = await rig.run(['run', 'p.yaml', '--json', '--devices', '0,1,2,3', '--device-kind', 'cpu']);
    expect(r.code, r.stderr).toBe(0);
    expect(ran(outcomes(r.stdout))).toEqual([]);
    const st = await rig.run(['status', 'p.yaml']);
    expect(st.stdout).not.toContain('stale');
    expect(st.stdout).toMatch(/train\[fold=0\] +(done|cached) .*execution-only change: devices 1->2 \(not in the key, no rerun\)/);
  });

  test('a device count declared result-affecting (keyed) reruns its stage and dependents', async () => {
    rig.write({ 'p.yaml': fiveStage({ batchSize: 4, devices: 2, keyed: true }) });
    const st = JSON.parse((await rig.run(['status', 'p.yaml', '--json'])).stdout) as { stages: { stage: string; state: string; reason: string | null }[] };
    expect(st.stages.find((s) => s.stage === 'train[fold=0]')).toMatchObject({ state: 'stale', reason: 'devices (not keyed)->2' });
    const r = await rig.run(['run', 'p.yaml', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(ran(outcomes(r.stdout))).toEqual([...TRAIN, ...VALIDATE, 'report'].sort());
  });
});

/**
 * `pipe status`, `report` and `resume` follow the run the user made (issue 14, items 1, 2, 10): the
 * run in progress or the last run of the file, with its --set overrides from the journal; `--current`
 * looks at the YAML as it now stands; a copy of the file finds its earlier keys by pipeline name.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt } from '../helpers/build.js';
import { collect, jsonLines, Rig, waitFor } from '../helpers/rig.js';

const PIPELINE = `name: study
params:
  epochs: 34
  batch_size: 2
  sleep_ms: 5
stages:
  prep:
    run: echo "prep \${params.batch_size}" >> calls.log; echo p > \${out}/p
  train:
    run: node $FIXTURES/trainer.mjs train \${params.epochs} 1 \${params.sleep_ms}
    needs: [prep]
  report:
    run: printf '# study\\n\\nepochs \${params.epochs}\\n' > \${out}/report.md; echo '{}' > \${out}/report.json
    needs: [train]
`;

interface StatusJson {
  view: { source: string; overrides: string[]; run?: { state: string } };
  stages: { stage: string; state: string; reason: string | null }[];
}

const states = (text: string): string[] => (JSON.parse(text) as StatusJson).stages.map((s) => `${s.stage}:${s.state}`);

describe('status, report and resume follow the run the user made', () => {
  const rig = new Rig();
  beforeAll(async () => {
    await ensureBuilt();
    rig.write({ 'p.yaml': PIPELINE });
  });
  afterAll(() => rig.cleanup());

  test('after a run with --set, status and report describe that run and say so', async () => {
    const run = await rig.run(['run', 'p.yaml', '--set', 'params.epochs=3']);
    expect(run.code, run.stderr).toBe(0);

    // status: the run's keys, so everything is done; the header names the run and its overrides
    const st = await rig.run(['status', 'p.yaml']);
    expect(st.code, st.stderr).toBe(0);
    expect(st.stdout).toMatch(/^run \d{4}-\d\d-\d\d \d\d:\d\d \(finished\) with --set params\.epochs=3; pipe status --current: the YAML as it now stands$/m);
    expect(st.stdout).not.toMatch(/stale/);
    const json = await rig.run(['status', '--json']);
    expect(states(json.stdout)).toEqual(['prep:done', 'train:done', 'report:done']);
    expect((JSON.parse(json.stdout) as StatusJson).view).toMatchObject({ source: 'run', overrides: ['params.epochs=3'], run: { state: 'ended' } });

    // --current: the YAML as it now stands, where train is stale against the run
    const cur = await rig.run(['status', 'p.yaml', '--current']);
    expect(cur.stdout).toMatch(/^the YAML as it now stands, not the last run \(.*with --set params\.epochs=3\)$/m);
    expect(cur.stdout).toMatch(/train +stale +[0-9a-f]{12} +params: epochs 3->34/);

    // report: that run's report, not "report stale"
    const rep = await rig.run(['report', 'p.yaml']);
    expect(rep.code, rep.stderr).toBe(0);
    expect(rep.stdout).toContain('with --set params.epochs=3');
    expect(rep.stdout).toContain('epochs 3');
    expect(rep.stdout).toMatch(/report: .*report\.html/);
  });

  test('status --why says unchanged for an instance that ran, and diffs against the key it last ran under', async () => {
    const prep = await rig.run(['status', 'p.yaml', '--why', 'prep']);
    expect(prep.stdout).toMatch(/^prep: key [0-9a-f]{12} unchanged since it last ran$/m);
    const train = await rig.run(['status', 'p.yaml', '--why', 'train', '--current']);
    expect(train.stdout).toMatch(/^train: key [0-9a-f]{12} -> [0-9a-f]{12}$/m);
    expect(train.stdout).toContain('params.epochs: 3 -> 34');
    expect(train.stdout).not.toContain('never ran');
  });

  test('during a run with --set, status shows it running; after Ctrl-C report proposes resume, never another run', async () => {
    const child = rig.spawn(['run', 'p.yaml', '--set', 'params.epochs=400', '--set', 'params.sleep_ms=100'], { PIPE_PROGRESS_INTERVAL_MS: '100' });
    const done = collect(child);
    await waitFor(() => rig.calls().some((l) => l.startsWith('train start=0')) && rig.calls().filter((l) => l.startsWith('train')).length >= 2, 20_000, 'train to start');
    const st = await rig.run(['status', 'p.yaml']);
    expect(st.stdout).toMatch(/^run .* \(running\) with --set params\.epochs=400 --set params\.sleep_ms=100;/m);
    expect(st.stdout).toMatch(/prep +cached/);
    expect(st.stdout).toMatch(/train +running/);
    const busy = await rig.run(['report', 'p.yaml']);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain('the run is still going');
    expect(busy.stderr).not.toContain('pipe run');

    child.kill('SIGINT');
    expect((await done).code).toBe(130);
    const rep = await rig.run(['report', 'p.yaml']);
    expect(rep.code).toBe(1);
    expect(rep.stderr).toContain('(interrupted) with --set params.epochs=400');
    expect(rep.stderr).toContain('pipe resume p.yaml continues that run');
    expect(rep.stderr).not.toContain('pipe run');
  });

  test('as soon as a run with --set has started, the instances it found cached show as cached', async () => {
    // A store of its own: prep's key depends on batch_size, which both runs override.
    rig.write({ 'twelve/p.yaml': PIPELINE });
    const first = await rig.run(['run', 'twelve/p.yaml', '--set', 'params.batch_size=3']);
    expect(first.code, first.stderr).toBe(0);
    const child = rig.spawn(['run', 'twelve/p.yaml', '--set', 'params.batch_size=3', '--set', 'params.epochs=400', '--set', 'params.sleep_ms=100']);
    const done = collect(child);
    const journal = (): string => (rig.exists('twelve/cache/journal.jsonl') ? rig.read('twelve/cache/journal.jsonl') : '');
    await waitFor(() => journal().split('"t":"run-start"').length === 3 && journal().includes('"outcome":"cached"'), 20_000, 'the second run to start');
    const st = await rig.run(['status', 'twelve/p.yaml', '--json']);
    child.kill('SIGINT');
    expect((await done).code).toBe(130);
    const prep = (JSON.parse(st.stdout) as StatusJson).stages.find((s) => s.stage === 'prep');
    expect(prep?.state, st.stdout).toBe('cached');
  });

  test('a copy of the file elsewhere finds the earlier keys by pipeline name: stale, not pending', async () => {
    rig.write({ 'copy/q.yaml': PIPELINE.replace('batch_size: 2', 'batch_size: 4').replace('stages:', 'cache: ../cache\nstages:') });
    const st = await rig.run(['status', 'copy/q.yaml']);
    expect(st.stdout).toMatch(/prep +stale +[0-9a-f]{12} +params: batch_size 2->4/);
    const dry = await rig.run(['run', 'copy/q.yaml', '--dry-run', '--json']);
    const prep = jsonLines(dry.stdout).find((e) => e['stage'] === 'prep');
    expect(prep?.['verdict']).toBe('stale');
    const why = await rig.run(['status', 'copy/q.yaml', '--why', 'prep']);
    expect(why.stdout).toContain('params.batch_size: 2 -> 4');
  });

  test('resume FILE with no earlier run of FILE refuses like bare resume', async () => {
    rig.write({ 'fresh.yaml': PIPELINE.replace('name: study', 'name: fresh') });
    const before = rig.calls().length;
    const r = await rig.run(['resume', 'fresh.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('nothing to resume for fresh.yaml; use pipe run fresh.yaml');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(rig.calls()).toHaveLength(before);
    expect(readFileSync(rig.path('cache', 'journal.jsonl'), 'utf8')).not.toContain('fresh.yaml');
  });
});

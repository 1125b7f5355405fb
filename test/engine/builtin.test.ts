/**
 * Built-in (`uses:`) stages through the same interface the imaging stages use: registry lookup,
 * `with` checked against the kind's schema at load time (located errors), defaults in the key,
 * `inputs()` digested, `::pipe::` progress/metrics into the journal and status, errors on stderr.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt } from '../helpers/build.js';
import { FIXTURES, outcomes, Rig } from '../helpers/rig.js';

const ENV = { PIPE_STAGE_MODULES: `${FIXTURES}/stages.mjs` };

function pipeline(withBlock: string): string {
  return `params:
  word: hi
stages:
  prep:
    run: echo prepped > \${out}/prep.txt
  greet:
    uses: greet
    needs: [prep]
    matrix: {fold: [0, 1]}
    with:
${withBlock}
`;
}

describe('built-in stages', () => {
  const rig = new Rig();
  beforeAll(async () => {
    await ensureBuilt();
    rig.write({ 'p.yaml': pipeline('      message: "${params.word}-${matrix.fold} "\n      source: src.txt'), 'src.txt': 'source v1\n' });
  });
  afterAll(() => rig.cleanup());

  test('runs through child.js with context, progress, metrics and upstream refs', async () => {
    const r = await rig.run(['run', 'p.yaml', '--json'], ENV);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(outcomes(r.stdout)).toEqual({ prep: 'ran', 'greet[fold=0]': 'ran', 'greet[fold=1]': 'ran' });
    const st = JSON.parse((await rig.run(['status', 'p.yaml', '--json'], ENV)).stdout) as { stages: { stage: string; out: string; metrics: Record<string, number> | null }[] };
    const g1 = st.stages.find((s) => s.stage === 'greet[fold=1]');
    expect(rig.read(`${g1?.out.slice(rig.dir.length + 1)}/greeting.txt`)).toBe('hi-1 hi-1 |run:prep:prepped|fold=1|source v1|work=true|devices=0\n');
    expect(g1?.metrics).toEqual({ repeats: 2, dice: 0.93 });
  });

  test('an explicit default changes no key; an input of the kind does', async () => {
    rig.write({ 'p.yaml': pipeline('      message: "${params.word}-${matrix.fold} "\n      repeat: 2\n      source: src.txt') });
    let r = await rig.run(['run', 'p.yaml', '--json'], ENV);
    expect(Object.values(outcomes(r.stdout))).toEqual(['cached', 'cached', 'cached']);
    rig.write({ 'src.txt': 'source v2\n' });
    const st = JSON.parse((await rig.run(['status', 'p.yaml', '--json'], ENV)).stdout) as { stages: { stage: string; state: string; reason: string }[] };
    expect(st.stages.find((s) => s.stage === 'greet[fold=0]')).toMatchObject({ state: 'stale', reason: 'inputs: src.txt changed' });
    r = await rig.run(['run', 'p.yaml', '--json'], ENV);
    expect(outcomes(r.stdout)).toEqual({ prep: 'cached', 'greet[fold=0]': 'ran', 'greet[fold=1]': 'ran' });
  });

  test('an execution-only field of the kind (workers) reruns nothing, even through a param', async () => {
    rig.write({ 'p.yaml': pipeline('      message: "${params.word}-${matrix.fold} "\n      repeat: 2\n      source: src.txt\n      workers: 3') });
    let r = await rig.run(['run', 'p.yaml', '--json'], ENV);
    expect(r.code, r.stderr).toBe(0);
    expect(Object.values(outcomes(r.stdout))).toEqual(['cached', 'cached', 'cached']);
    rig.write({
      'p.yaml': pipeline('      message: "${params.word}-${matrix.fold} "\n      repeat: 2\n      source: src.txt\n      workers: "${params.w}"').replace('  word: hi', '  word: hi\n  w: 4'),
    });
    r = await rig.run(['run', 'p.yaml', '--json', '--set', 'params.w=2'], ENV);
    expect(r.code, r.stderr).toBe(0);
    expect(Object.values(outcomes(r.stdout))).toEqual(['cached', 'cached', 'cached']);
    rig.write({ 'p.yaml': pipeline('      message: "${params.word}-${matrix.fold} "\n      repeat: 2\n      source: src.txt') });
  });

  test('status --why shows params and with fields', async () => {
    const r = await rig.run(['status', 'p.yaml', '--why', 'greet[fold=0]', '--set', 'params.word=yo'], ENV);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('params.word: "hi" -> "yo"');
    expect(r.stdout).toContain('with.message: "hi-0 " -> "yo-0 "');
  });

  test('bad `with` is a located error at load time', async () => {
    rig.write({ 'bad.yaml': pipeline('      mesage: hello\n      repeat: 0') });
    const r = await rig.run(['run', 'bad.yaml'], ENV);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('bad.yaml:11:7: error: unknown key "mesage" in stages.greet.with: expected one of message, workers, repeat, source (did you mean "message"?)');
    expect(r.stderr).toContain('bad.yaml:12:15: error: Expected a number >= 1 for stages.greet.with.repeat but received 0 (number)');
    expect(r.stderr).toContain('missing required key "message" in stages.greet.with');
  });

  test('a throwing stage fails with its message in the log and the failure output', async () => {
    rig.write({ 'fail.yaml': 'stages:\n  f:\n    uses: failing\n' });
    const r = await rig.run(['run', 'fail.yaml'], ENV);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('failing stage: the data is bad (case 7)');
  });

  test('the runtime a kind computes with is in its key: a rebuilt addon or another LibTorch reruns it, and status says so', async () => {
    const env = { ...ENV, FAKE_RUNTIME_FILE: `${rig.dir}/addon.node` };
    rig.write({ 'rt.yaml': 'stages:\n  c:\n    uses: compute\n', 'addon.node': 'build 1\n' });
    // first run computes; an unchanged runtime is a cache hit
    let r = await rig.run(['run', 'rt.yaml', '--json'], env);
    expect(outcomes(r.stdout), r.stderr).toEqual({ c: 'ran' });
    r = await rig.run(['run', 'rt.yaml', '--json'], env);
    expect(outcomes(r.stdout)).toEqual({ c: 'cached' });
    // a rebuilt addon (other bytes) makes it stale, named by field
    rig.write({ 'addon.node': 'build 2\n' });
    const st = JSON.parse((await rig.run(['status', 'rt.yaml', '--json'], env)).stdout) as { stages: { stage: string; state: string; reason: string }[] };
    expect(st.stages[0]).toMatchObject({ state: 'stale' });
    expect(st.stages[0]?.reason).toMatch(/^runtime: addon [0-9a-f]{6}->[0-9a-f]{6}$/);
    r = await rig.run(['status', 'rt.yaml', '--why', 'c'], env);
    expect(r.stdout).toContain('runtime.addon:');
    r = await rig.run(['run', 'rt.yaml', '--json'], env);
    expect(outcomes(r.stdout)).toEqual({ c: 'ran' });
    // another LibTorch
    const st2 = JSON.parse((await rig.run(['status', 'rt.yaml', '--json'], { ...env, FAKE_TORCH: '2.11.0 cuda' })).stdout) as { stages: { reason: string }[] };
    expect(st2.stages[0]?.reason).toBe('runtime: torch 1.13.1 cpu->2.11.0 cuda');
  });
});

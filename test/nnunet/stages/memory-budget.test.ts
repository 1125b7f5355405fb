/**
 * The memory budget of plan and preprocess as the stages apply it: null (the default) takes it from
 * the machine; a case above its worker's share runs alone instead of being refused; a case above the
 * whole budget is refused with where the setting goes.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPipeline } from '../../../src/index.js';
import { synthesizeDecathlon } from '../../../src/nnunet/dataset/synthesize/synthesize.js';
import convertStage from '../../../src/nnunet/stages/convert-decathlon.js';
import planStage from '../../../src/nnunet/stages/plan.js';
import preprocessStage from '../../../src/nnunet/stages/preprocess.js';
import type { StageContext, UpstreamRef } from '../../../src/stage-api/types.js';
import { fakeContext } from '../../helpers/fake-context.js';

const root = mkdtempSync(join(tmpdir(), 'pipe-budget-'));
const sub = (name: string): string => {
  const d = join(root, name);
  mkdirSync(d, { recursive: true });
  return d;
};
const ref = (ctx: StageContext, id: string): UpstreamRef => ({ stage: id, id, kind: ctx.kind, key: ctx.key, out: ctx.out, matrix: {} });
let convertOut: UpstreamRef;
let planOut: UpstreamRef;

beforeAll(async () => {
  const task = await synthesizeDecathlon(join(root, 'Task03_Liver-like'), {
    cases: 5, testCases: 0, seed: 5, inPlaneSize: [24, 32], slices: [8, 12], compressionLevel: 1,
  });
  const convert = await fakeContext('convert_decathlon', { dataset: task.dir }, { root: sub('convert') });
  await convertStage.run(convert);
  convertOut = ref(convert, 'convert');
  const plan = await fakeContext('plan', {}, { root: sub('plan'), needs: [convertOut] });
  await planStage.run(plan);
  planOut = ref(plan, 'plan');
  expect(plan.metricsCalls.at(-1)?.['peakRssGiB']).toBeGreaterThan(0);
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('memory budgets of plan and preprocess', () => {
  it('default to what the machine offers, shared among the workers', async () => {
    const pre = await fakeContext('preprocess', {}, { root: sub('default'), needs: [planOut, convertOut] });
    expect(pre.with['memory_gb']).toBeNull();
    await preprocessStage.run(pre);
    expect(pre.logs.join('\n')).toMatch(/^memory budget [\d.]+ GiB from the machine \(.+ less a [\d.]+ GiB margin\) for 2 worker\(s\), [\d.]+ GiB each$/m);
    expect(pre.metricsCalls.at(-1)).toMatchObject({ processed: 5 });
  });

  it('run a case above its worker share alone rather than refuse it', async () => {
    // Each small case is estimated at about 0.25 GiB (mostly the process allowance): above a 0.2 GiB share.
    const pre = await fakeContext('preprocess', { workers: 2, memory_gb: 0.4 }, { root: sub('alone'), needs: [planOut, convertOut] });
    await preprocessStage.run(pre);
    expect(pre.logs.join('\n')).toMatch(/memory_gb = 0\.4 for 2 worker\(s\), 0\.20 GiB each; 5 case\(s\) estimated above a share run alone/);
    expect(pre.metricsCalls.at(-1)).toMatchObject({ processed: 5 });
  });

  it('refuse a case above the whole budget, naming where memory_gb goes', async () => {
    const pre = await fakeContext('preprocess', { memory_gb: 0.1 }, { root: sub('small'), needs: [planOut, convertOut] });
    await expect(preprocessStage.run(pre)).rejects.toThrow(
      /^preprocess: memory_gb = 0\.1 is too small:\n {2}case liver_0 needs an estimated [\d.]+ GiB \(shape \d+x\d+x\d+\)\n(.|\n)*raise memory_gb \(or run on a machine with more memory\): set memory_gb \(GiB\) in the `with:` of stage `preprocess` \(with: \{memory_gb: 1\}\), or through a param passed there \(pipelines\/task003_5fold\.yaml: --set params\.memory_gb=1\)/,
    );
    const plan = await fakeContext('plan', { memory_gb: 0.1 }, { root: sub('plan-small'), needs: [convertOut] });
    await expect(planStage.run(plan)).rejects.toThrow(/^plan: memory_gb = 0\.1 is too small:(.|\n)*with: \{memory_gb: 1\}/);
  });
});

describe('pipelines/task003_5fold.yaml', () => {
  it('exposes params.memory_gb (null: from the machine) and passes it to convert, plan and preprocess', async () => {
    const file = join(import.meta.dirname, '..', '..', '..', 'pipelines', 'task003_5fold.yaml');
    const pipeline = await loadPipeline(file, { overrides: ['params.dataset=/data/Task03_Liver'] });
    expect(pipeline.params['memory_gb']).toBeNull();
    for (const id of ['convert', 'plan', 'preprocess']) {
      expect(pipeline.stages.get(id as never)?.with, id).toMatchObject({ memory_gb: '${params.memory_gb}' });
    }
    const bad = await loadPipeline(file, { overrides: ['params.dataset=/data/Task03_Liver', 'params.memory_gb=0'] }).catch((e: unknown) => e);
    expect(String((bad as { format?: () => string }).format?.() ?? bad)).toMatch(/memory_gb/);
  });
});

/**
 * Variants in one pipeline through the CLI: a train matrix with a `network` axis beside `fold` runs through
 * validate to the real report kind (stand-in train and validate, fixtures/fake-study.mjs), which writes one
 * table per variant and the paired comparison pipe compare makes; the upstream stage runs once for all
 * variants, and editing one variant's value reruns only that variant's instances (and the report). A validate
 * without the variant axis is refused at load time, naming the axis.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt } from '../helpers/build.js';
import { FIXTURES, outcomes, Rig } from '../helpers/rig.js';
import { dumpDom, hasChromium } from '../nnunet/report/chromium-helper.js';

const ENV = { PIPE_STAGE_MODULES: `${FIXTURES}/fake-study.mjs` };

const STUDY = `name: networks
params: {networks: [unetpp, unet]}
stages:
  prep:
    run: echo prep >> calls.log; echo data > \${out}/data.txt
  train:
    uses: train
    needs: [prep]
    matrix: {fold: [0, 1, 2], network: "\${params.networks}"}
    with: {fold: "\${matrix.fold}", network: "\${matrix.network}"}
  validate:
    uses: validate
    needs: [train]
    matrix: {fold: [0, 1, 2], network: "\${params.networks}"}
  report:
    uses: report
    needs: [validate, train]
    with: {reference: {"1": 95.8, "2": 65.6}}
`;

interface StatusJson { stages: { stage: string; out: string | null }[] }
interface CaseDice { id: string; dicePercent: Record<string, number | null> }
interface VariantReportJson {
  variants: { name: string; dir: string; folds: number; totalTrainingSeconds: number }[];
  comparison: {
    baseline: string;
    labels: { name: string; runs: { run: string; perFold: { fold: number }[] }[]; versus: { run: string; baseline: string; n: number; meanDifference: number; better: number; wilcoxon: { testable: boolean; pValue: number }; withoutDice: string[] }[] }[];
    training: { run: string; totalSeconds: number }[];
  };
}

const reportOut = async (rig: Rig, env: Record<string, string>, ...set: string[]): Promise<string> => {
  const status = JSON.parse((await rig.run(['status', 'p.yaml', '--json', ...set], env)).stdout) as StatusJson;
  const out = status.stages.find((s) => s.stage === 'report')?.out;
  if (!out) throw new Error('no report output');
  return out;
};

describe('a network axis beside fold, through to the report', () => {
  const rig = new Rig();
  let first: Record<string, string> = {};
  beforeAll(async () => {
    await ensureBuilt();
    rig.write({ 'p.yaml': STUDY });
    const r = await rig.run(['run', 'p.yaml', '--json'], ENV);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    first = outcomes(r.stdout);
  });
  afterAll(() => rig.cleanup());

  test('each variant trains and validates its own folds on the one shared upstream', () => {
    expect(rig.calls()).toEqual(['prep']);
    const names = Object.keys(first);
    expect(names.filter((n) => n.startsWith('train['))).toHaveLength(6);
    expect(names).toContain('validate[fold=2,network=unet]');
    expect(Object.values(first).every((o) => o === 'ran')).toBe(true);
  });

  test('report.json: the variants with their own reports, and the paired comparison against the first', async () => {
    const out = await reportOut(rig, ENV);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as VariantReportJson;
    expect(report.variants.map((v) => [v.name, v.dir, v.folds])).toEqual([['network=unetpp', 'variants/network=unetpp', 3], ['network=unet', 'variants/network=unet', 3]]);
    // Training time per variant: 3 folds × 3 epochs × 3 s (UNet++) or 2 s (U-Net) in the stand-in.
    expect(report.variants.map((v) => v.totalTrainingSeconds)).toEqual([27, 18]);
    expect(report.comparison.training.map((t) => [t.run, t.totalSeconds])).toEqual([['network=unetpp', 27], ['network=unet', 18]]);
    expect(report.comparison.baseline).toBe('network=unetpp');
    const [liver, tumour] = report.comparison.labels;
    expect(liver?.runs.map((r) => [r.run, r.perFold.map((f) => f.fold)])).toEqual([['network=unetpp', [0, 1, 2]], ['network=unet', [0, 1, 2]]]);
    expect(liver?.versus[0]).toMatchObject({ run: 'network=unet', baseline: 'network=unetpp', n: 18, better: 18, wilcoxon: { testable: true } });
    expect(liver?.versus[0]?.wilcoxon.pValue).toBeLessThan(0.001);
    // The last case of each fold has no tumour: no Dice in either variant, left out of the pair.
    expect(tumour?.versus[0]).toMatchObject({ n: 15, withoutDice: ['case_5', 'case_11', 'case_17'] });

    // The paired mean, recomputed from the variants' own reports: U-Net − UNet++ per shared case.
    const perCase = (dir: string): Map<string, number | null> => {
      const v = JSON.parse(readFileSync(join(out, dir, 'report.json'), 'utf8')) as { folds: { perCase: CaseDice[] }[] };
      return new Map(v.folds.flatMap((f) => f.perCase.map((c) => [c.id, c.dicePercent['1'] ?? null] as const)));
    };
    const [a, b] = [perCase('variants/network=unetpp'), perCase('variants/network=unet')];
    const d = [...a].map(([id, x]) => (b.get(id) ?? NaN) - (x ?? NaN));
    expect(liver?.versus[0]?.meanDifference).toBeCloseTo(d.reduce((s, x) => s + x, 0) / d.length, 9);
  });

  test('report.md: one table per variant, then the comparison as pipe compare prints it', async () => {
    const md = readFileSync(join(await reportOut(rig, ENV), 'report.md'), 'utf8');
    const sections = md.split('\n## ').map((s) => s.split('\n')[0]);
    expect(sections.slice(1)).toEqual(['Dice per variant (%)', 'network=unetpp (baseline)', 'network=unet', 'Comparison against network=unetpp']);
    expect(md).toMatch(/\| network=unetpp \| liver \(1\) \| \d\d\.\d\d ± 0\.\d\d \| \d\d\.\d\d \| baseline \| {2}\| {2}\| 27\.0s \|/);
    expect(md).toMatch(/\| network=unet \| liver \(1\) \| \d\d\.\d\d ± 0\.\d\d \| \d\d\.\d\d \| \+\d\.\d\d \[\+\d\.\d\d, \+\d\.\d\d\] \(18 cases\) \| [0-9.e-]+ \| 18 \/ 0 \/ 0 \| 18\.0s \|/);
    expect(md.match(/\| label \| fold 0 \| fold 1 \| fold 2 \| mean ± std \|/g)).toHaveLength(2);
    expect(md).toContain('[variants/network=unet/report.md](variants/network=unet/report.md)');
    // U-Net departs from the reference recipe (UNet++): its section says so, the baseline's does not.
    expect(md.split('## network=unet\n')[1]).toContain('> - network: unet vs unetpp');
    expect(md.split('## network=unet\n')[0]).not.toContain('network: unet vs unetpp');
    expect(md).toMatch(/network=unet - network=unetpp on 18 shared case\(s\): mean \+\d\.\d\d \[95% CI \+\d\.\d\d, \+\d\.\d\d\]; Wilcoxon p = /);
    expect(md).toMatch(/network=unet - network=unetpp on 15 shared case\(s\)[^\n]*\n *left out of the paired test: 3 without a Dice/);
  });

  test('pipe report prints the variants side by side', async () => {
    const r = await rig.run(['report', 'p.yaml'], ENV);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('## Dice per variant (%)');
    expect(r.stdout).toMatch(/\| network=unet \| tumour \(2\) \| .* \(15 cases\) \|/);
    expect(r.stdout).not.toContain('## network=unetpp (baseline)');
  });

  test('pipe runs shows each variant’s Dice', async () => {
    const r = await rig.run(['runs', 'p.yaml'], ENV);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/report: network=unetpp: Dice liver \d\d\.\d\d ± \d\.\d\d, tumour \d\d\.\d\d ± \d\.\d\d \(3 folds\); network=unet: Dice liver \d\d\.\d\d/);
  });

  test.runIf(hasChromium)('report.html renders in Chromium: both variants, a paired dot plot per label, checks ok', async () => {
    const dom = dumpDom(join(await reportOut(rig, ENV), 'report.html'));
    expect(dom).toContain('data-checks="ok"');
    expect(dom.match(/<section class="variant"/g)).toHaveLength(2);
    expect(dom.match(/data-plot="paired-\d-0"/g)).toHaveLength(2);
  });
});

const SIZES = `name: sizes
params: {batch_sizes: [2, 4]}
stages:
  prep:
    run: echo data > \${out}/data.txt
  train:
    uses: train
    needs: [prep]
    matrix: {fold: [0, 1], batch_size: "\${params.batch_sizes}"}
    with: {fold: "\${matrix.fold}", batch_size: "\${matrix.batch_size}"}
  validate:
    uses: validate
    needs: [train]
    matrix: {fold: [0, 1], batch_size: "\${params.batch_sizes}"}
  report:
    uses: report
    needs: [validate, train]
    with: {reference: {}}
`;

describe('cache rules hold for variants', () => {
  const rig = new Rig();
  beforeAll(async () => {
    await ensureBuilt();
    rig.write({ 'p.yaml': SIZES });
  });
  afterAll(() => rig.cleanup());

  test('editing one variant’s value reruns that variant’s instances and the report, nothing else', async () => {
    const clean = await rig.run(['run', 'p.yaml', '--json'], ENV);
    expect(clean.code, clean.stderr).toBe(0);
    expect(Object.values(outcomes(clean.stdout)).filter((o) => o === 'ran')).toHaveLength(10);

    const edited = await rig.run(['run', 'p.yaml', '--json', '--set', 'params.batch_sizes=[2, 8]'], ENV);
    expect(edited.code, edited.stderr).toBe(0);
    const o = outcomes(edited.stdout);
    const ran = Object.keys(o).filter((k) => o[k] === 'ran').sort();
    expect(ran).toEqual(['report', 'train[fold=0,batch_size=8]', 'train[fold=1,batch_size=8]', 'validate[fold=0,batch_size=8]', 'validate[fold=1,batch_size=8]']);
    expect(Object.keys(o).filter((k) => o[k] === 'cached').sort()).toEqual(['prep', 'train[fold=0,batch_size=2]', 'train[fold=1,batch_size=2]', 'validate[fold=0,batch_size=2]', 'validate[fold=1,batch_size=2]']);
    const report = JSON.parse(readFileSync(join(await reportOut(rig, ENV, '--set', 'params.batch_sizes=[2, 8]'), 'report.json'), 'utf8')) as VariantReportJson;
    expect(report.variants.map((v) => v.name)).toEqual(['batch_size=2', 'batch_size=8']);

    // Back to the first values: every key is in the store already.
    const back = await rig.run(['run', 'p.yaml', '--json'], ENV);
    expect(Object.values(outcomes(back.stdout)).every((x) => x === 'cached')).toBe(true);
  });
});

describe('a variant axis missing downstream', () => {
  const rig = new Rig();
  beforeAll(ensureBuilt);
  afterAll(() => rig.cleanup());

  test('is refused at load time, before any training, naming the axis', async () => {
    rig.write({
      'data/dataset.json': '{}',
      'p.yaml': `name: forgot
params: {batch_sizes: [2, 4]}
stages:
  convert: {uses: convert_decathlon, with: {dataset: data}}
  plan: {uses: plan, needs: [convert]}
  preprocess: {uses: preprocess, needs: [plan, convert]}
  train:
    uses: train
    needs: [preprocess]
    matrix: {fold: [0, 1], batch_size: "\${params.batch_sizes}"}
    with: {fold: "\${matrix.fold}", batch_size: "\${matrix.batch_size}"}
  validate:
    uses: validate
    needs: [train, preprocess]
    matrix: {fold: [0, 1]}
`,
    });
    const r = await rig.run(['run', 'p.yaml']);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toContain('p.yaml:14:12: error: validate[fold=0] matches 2 train instances (train[fold=0,batch_size=2], train[fold=0,batch_size=4]) ' +
      'but takes exactly one: give validate the matrix axis batch_size that train has');
    expect(rig.objects()).toEqual([]);
  });
});

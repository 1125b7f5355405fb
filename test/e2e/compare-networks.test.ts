/**
 * pipelines/demo_compare.yaml shrunk as the demo is for CI (demo-pipeline.ts: 8 small cases, two folds, two tiny
 * epochs), through the real CLI and the native runtime: UNet++ and U-Net train each fold on the one shared
 * preprocess; each validation builds the network its checkpoint records; each network gets its own postprocessing
 * decision and ensemble; the report sets the two side by side with the paired comparison.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { addonAvailable, readCheckpointInfo } from '../../src/native/addon/index.js';
import { ensureBuilt, ROOT } from '../helpers/build.js';
import { outcomes, Rig } from '../helpers/rig.js';
import { ciDemoYaml } from './demo-pipeline.js';

const mustRun = addonAvailable() || Boolean(process.env['CI']);
const ENV: Record<string, string> = process.env['PIPE_NATIVE_ADDON'] ? { PIPE_NATIVE_ADDON: process.env['PIPE_NATIVE_ADDON'] } : {};
const NETWORKS = ['unetpp', 'unet'] as const;

interface StatusJson { stages: { stage: string; out: string | null }[] }

describe.runIf(mustRun)('demo_compare: UNet++ and U-Net through to the report', () => {
  const rig = new Rig();
  let ran: Record<string, string> = {};
  let outs = new Map<string, string>();
  beforeAll(async () => {
    await ensureBuilt();
    rig.write({ 'pipelines/demo_compare.yaml': ciDemoYaml([0, 1], join(ROOT, 'pipelines', 'demo_compare.yaml')) });
    const r = await rig.run(['run', 'pipelines/demo_compare.yaml', '--json'], ENV);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    ran = outcomes(r.stdout);
    const status = JSON.parse((await rig.run(['status', 'pipelines/demo_compare.yaml', '--json'], ENV)).stdout) as StatusJson;
    outs = new Map(status.stages.flatMap((s) => (s.out ? [[s.stage, s.out] as const] : [])));
  }, 300_000);
  afterAll(() => rig.cleanup());

  const json = <T>(stage: string, file: string): T => JSON.parse(readFileSync(join(outs.get(stage) ?? '', file), 'utf8')) as T;

  test('the data stages run once; train, validate, postprocessing and predict once per network', () => {
    expect(Object.keys(ran).sort()).toEqual([
      'convert', 'plan', 'preprocess', 'report', 'synthesize',
      ...NETWORKS.flatMap((n) => [`postprocessing[network=${n}]`, `predict[network=${n}]`,
        ...[0, 1].flatMap((f) => [`train[fold=${f},network=${n}]`, `validate[fold=${f},network=${n}]`])]),
    ].sort());
    expect(Object.values(ran).every((o) => o === 'ran')).toBe(true);
  });

  test('each checkpoint records its network, and its validation built that network', async () => {
    for (const network of NETWORKS) {
      for (const fold of [0, 1]) {
        const info = await readCheckpointInfo(join(outs.get(`train[fold=${fold},network=${network}]`) ?? '', 'model_final.pt'));
        expect(info.network.architecture).toBe(network);
        expect(json<{ network: string }>(`validate[fold=${fold},network=${network}]`, 'fold.json').network).toBe(network);
      }
    }
  });

  test('report.json: both networks’ Dice and training time, and U-Net − UNet++ per shared case', () => {
    const report = json<{
      variants: { name: string; folds: number; totalTrainingSeconds: number; summary: { label: string; meanPercent: number | null }[] }[];
      comparison: { baseline: string; labels: { versus: { run: string; n: number; wilcoxon: { testable: boolean } }[] }[] };
    }>('report', 'report.json');
    expect(report.variants.map((v) => [v.name, v.folds])).toEqual([['network=unetpp', 2], ['network=unet', 2]]);
    for (const v of report.variants) {
      expect(v.totalTrainingSeconds).toBeGreaterThan(0);
      expect(v.summary.map((l) => l.label)).toEqual(['1', '2']);
    }
    expect(report.comparison.baseline).toBe('network=unetpp');
    // 8 cases in 2 folds: 4 validation cases, all shared by the two networks.
    expect(report.comparison.labels[0]?.versus[0]).toMatchObject({ run: 'network=unet', n: 4 });
    const md = readFileSync(join(outs.get('report') ?? '', 'report.md'), 'utf8');
    expect(md).toContain('## Comparison against network=unetpp');
    expect(md).toContain('> - network: unet vs unetpp');
  });
});

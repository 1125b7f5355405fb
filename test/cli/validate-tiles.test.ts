/**
 * A validate stage reports the tiles of the case it predicts (issue 23, item 3), so a long case never reads as
 * hung: `--json` stage-progress events carry `within: {done, total, unit: 'tiles'}` (0 first, the total last) and
 * a stage-wide ETA; `pipe status` shows `tiles i/n` on the running line; plain progress lines (logs) do too;
 * predict reports its tiles the same way.
 * A tiny generated task, one fold, one training iteration; a fine tile step (0.12) gives validate 1320 tiles on one
 * thread: some 10 s, long enough to ask pipe status.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { addonAvailable } from '../../src/native/addon/index.js';
import { tileCount } from '../../src/nnunet/inference/tile-progress.js';
import { ensureBuilt } from '../helpers/build.js';
import { collect, jsonLines, Rig, waitFor } from '../helpers/rig.js';

const PIPELINE = `name: tiles
params:
  step: 0.12
stages:
  synthesize:
    uses: synthesize_decathlon
    with: {name: Task09_Tiny, cases: 5, test_cases: 1, seed: 4, in_plane_size: [32, 36], slices: [16, 18], in_plane_spacing: [1.5, 1.6], slice_spacing: [2.0, 2.5]}
  convert: {uses: convert_decathlon, needs: [synthesize]}
  plan: {uses: plan, needs: [convert]}
  preprocess: {uses: preprocess, needs: [plan, convert]}
  train:
    uses: train
    needs: [preprocess]
    matrix: {fold: [0]}
    with: {fold: "\${matrix.fold}", epochs: 1, iterations_per_epoch: 1, val_iterations: 0, batch_size: 2, patch_size: [8, 16, 16], base_features: 4, max_features: 8, checkpoint_every: 0}
  validate:
    uses: validate
    needs: [train, preprocess]
    matrix: {fold: [0]}
    with: {mirroring: false, step: "\${params.step}", threads: 1}
  predict:
    uses: predict
    needs: [train, preprocess, convert]
    with: {mirroring: false, threads: 1}
`;

interface Within { done: number; total: number; unit: string }
interface ProgressEvent { event: string; stage: string; progress: { done: number; total?: number; unit: string; within?: Within; remainingSeconds?: number } }

const mustRun = addonAvailable() || Boolean(process.env['CI']);
// The rig scrubs PIPE_* from the environment; a prebuilt addon named by PIPE_NATIVE_ADDON is passed on.
const ENV: Record<string, string> = process.env['PIPE_NATIVE_ADDON'] ? { PIPE_NATIVE_ADDON: process.env['PIPE_NATIVE_ADDON'] } : {};

describe.runIf(mustRun)('validate reports tile progress', () => {
  const rig = new Rig();
  beforeAll(async () => {
    await ensureBuilt();
    rig.write({ 'p.yaml': PIPELINE });
  });
  afterAll(() => rig.cleanup());

  test('--json events carry tiles done/total and an ETA; pipe status shows tiles i/n while it runs', { timeout: 180_000 }, async () => {
    const child = rig.spawn(['run', 'p.yaml', '--json'], { ...ENV, PIPE_PROGRESS_INTERVAL_MS: '100' });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    let exited = false;
    const done = collect(child).then((r) => ((exited = true), r));
    const tileEvents = (): ProgressEvent[] => (jsonLines(out) as unknown as ProgressEvent[])
      .filter((e) => e.event === 'stage-progress' && e.stage === 'validate[fold=0]' && e.progress.within !== undefined);
    await waitFor(() => exited || tileEvents().some((e) => (e.progress.within?.done ?? 0) > 0), 150_000, 'the first tiles of validate');
    const st = await rig.run(['status', 'p.yaml'], ENV);
    const r = await done;
    expect(r.code, r.stderr + out).toBe(0);
    expect(st.stdout).toMatch(/validate\[fold=0\] +running .* case 0\/1 tiles \d+\/\d+ /);

    const events = tileEvents();
    const first = events[0]?.progress.within;
    expect(first?.unit).toBe('tiles');
    expect(first?.done).toBe(0);
    const total = first?.total ?? 0;
    // The validation case of fold 0 (5 cases, 5 folds): the count from its preprocessed shape and the patch.
    const status = JSON.parse((await rig.run(['status', 'p.yaml', '--json'], ENV)).stdout) as { stages: { stage: string; out: string | null }[] };
    const pre = status.stages.find((s) => s.stage === 'preprocess')?.out ?? '';
    const splits = JSON.parse(readFileSync(join(pre, 'splits.json'), 'utf8')) as { val: string[] }[];
    const id = splits[0]?.val[0] ?? '';
    const shape = (JSON.parse(readFileSync(join(pre, 'cases', `${id}.json`), 'utf8')) as { shape: number[] }).shape;
    expect(total).toBe(tileCount(shape, [8, 16, 16], 0.12));
    expect(total).toBeGreaterThan(50);
    expect(events[events.length - 1]?.progress.within).toEqual({ done: total, total, unit: 'tiles' });
    events.slice(1).forEach((e, i) => expect(e.progress.within?.done).toBeGreaterThanOrEqual(events[i]?.progress.within?.done ?? Infinity));
    expect(events.some((e) => typeof e.progress.remainingSeconds === 'number' && e.progress.remainingSeconds > 0)).toBe(true);
    // Throttled: a few events a second at most, not one per tile.
    expect(events.length).toBeLessThan(total / 4);

    // predict (an ensemble of one fold here) reports its image's tiles the same way.
    const predict = (jsonLines(out) as unknown as ProgressEvent[]).filter((e) => e.event === 'stage-progress' && e.stage === 'predict' && e.progress.within);
    const last = predict[predict.length - 1]?.progress.within;
    expect(predict[0]?.progress.within).toEqual({ done: 0, total: last?.total, unit: 'tiles' });
    expect(last?.done).toBe(last?.total);
    expect(last?.total).toBeGreaterThan(0);
  });

  test('plain progress lines show the tiles of the case in progress', { timeout: 120_000 }, async () => {
    const r = await rig.run(['run', 'p.yaml', '--progress', 'plain', '--set', 'params.step=0.2'], { ...ENV, PIPE_PROGRESS_PLAIN_MS: '300' });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/^ {2}\.\.\. +validate\[fold=0\] +\S+ +case 0\/1 tiles \d+\/\d+ /m);
  });
});

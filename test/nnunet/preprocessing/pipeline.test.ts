/**
 * A generated 20-case task through convert_decathlon -> plan -> preprocess, calling each stage's
 * run(ctx) directly (small volumes; about half a minute on 2 cores).
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesizeDecathlon, type SynthesizeResult } from '../../../src/nnunet/dataset/synthesize/synthesize.js';
import { planExperiment } from '../../../src/nnunet/experiment-planning/planner.js';
import { kfoldSplits } from '../../../src/nnunet/experiment-planning/split.js';
import type { Fingerprint, Plans, Split } from '../../../src/nnunet/plans/types.js';
import type { CaseProperties } from '../../../src/nnunet/preprocessing/case.js';
import convertStage from '../../../src/nnunet/stages/convert-decathlon.js';
import planStage from '../../../src/nnunet/stages/plan.js';
import preprocessStage from '../../../src/nnunet/stages/preprocess.js';
import type { StageContext, UpstreamRef } from '../../../src/stage-api/types.js';
import { fakeContext, type FakeContext } from '../../helpers/fake-context.js';
import { python, readNpy } from './npy-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'pipe-pipeline-'));
/** A fresh folder under the test root for one fake stage context. */
const sub = (name: string): string => {
  const d = join(root, name);
  mkdirSync(d, { recursive: true });
  return d;
};
let task: SynthesizeResult;
let convertOut: UpstreamRef;
let planOut: UpstreamRef;
let preprocessOut: string;

const ref = (ctx: StageContext, id: string): UpstreamRef => ({ stage: id, id, kind: ctx.kind, key: ctx.key, out: ctx.out, matrix: {} });
const json = async <T>(file: string): Promise<T> => JSON.parse(await readFile(file, 'utf8')) as T;
const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

beforeAll(async () => {
  task = await synthesizeDecathlon(join(root, 'Task03_Liver-like'), {
    cases: 20, testCases: 0, seed: 7, inPlaneSize: [40, 56], slices: [12, 24], sliceSpacing: [1.5, 4], compressionLevel: 1,
  });
  const convert = await fakeContext('convert_decathlon', { dataset: task.dir, verify: true }, { root: sub('convert') });
  await convertStage.run(convert);
  convertOut = ref(convert, 'convert');
  const plan = await fakeContext('plan', { workers: 2 }, { root: sub('plan'), needs: [convertOut] });
  await planStage.run(plan);
  planOut = ref(plan, 'plan');
  const pre = await fakeContext('preprocess', { workers: 2, memory_gb: 2 }, { root: sub('pre'), needs: [planOut, convertOut] });
  await preprocessStage.run(pre);
  preprocessOut = pre.out;
  expect(pre.progressCalls.at(-1)).toMatchObject({ done: 20, total: 20, unit: 'case' });
}, 180_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('plan on a generated task', () => {
  it('writes plans.json whose fields follow the recipe rules for these spacings and shapes', async () => {
    const plans = await json<Plans>(join(planOut.out, 'plans.json'));
    const fp = await json<Fingerprint>(join(planOut.out, 'fingerprint.json'));
    expect(fp.cases.map((c) => c.id)).toEqual(task.training.map((c) => c.id).sort());
    // Spacings [z, y, x] are the generator's [x, y, z] reversed; CT crop keeps the whole volume (air != 0).
    for (const c of task.training) {
      const f = fp.cases.find((x) => x.id === c.id);
      expect(f?.spacing.map((s) => Number(s.toFixed(5)))).toEqual([...c.spacing].reverse().map((s) => Number(s.toFixed(5))));
      expect(f?.shape).toEqual([...c.shape].reverse());
    }
    // Target spacing: per-axis median (slices 1.5-4 mm vs 0.7-1 mm in-plane stay under the 3x rule here, or
    // the 10th-percentile rule applies; recompute both conditions by hand).
    const med = [0, 1, 2].map((a) => median(fp.cases.map((c) => c.spacing[a] as number)));
    const size = [0, 1, 2].map((a) => median(fp.cases.map((c) => c.croppedShape[a] as number)));
    const aniso = (med[0] as number) > 3 * Math.max(med[1] as number, med[2] as number) && (size[0] as number) * 3 < Math.min(size[1] as number, size[2] as number);
    if (!aniso) expect(plans.targetSpacing).toEqual(med);
    const full = plans.configurations['3d_fullres'];
    expect(plans).toMatchObject({ numClasses: 3, modalities: ['CT'], numInputChannels: 1, normalization: ['CT'], useMaskForNorm: [false] });
    expect(full.baseFeatures).toBe(32);
    expect(full.maxFeatures).toBe(320);
    expect(full.convKernels.length).toBe(full.poolKernels.length + 1);
    expect(full.patchSize.every((p, i) => p % 2 ** (full.numPoolPerAxis[i] as number) === 0)).toBe(true);
    expect(full.patchSize.every((p, i) => p <= Math.ceil((full.medianShape[i] as number) / 2 ** (full.numPoolPerAxis[i] as number)) * 2 ** (full.numPoolPerAxis[i] as number))).toBe(true);
    // The planner is a pure function of the fingerprint.
    expect(planExperiment(fp)).toEqual(plans);
    // CT statistics: every 10th liver/tumour voxel; the phantom's soft tissue is far above air.
    const ip = plans.fingerprint.intensityProperties?.[0];
    expect(ip && ip.percentile00_5 < ip.mean && ip.mean < ip.percentile99_5 && ip.sd > 0 && ip.count > 100).toBe(true);
  });

  it('fails naming the cases that cannot fit its memory budget', async () => {
    const ctx = await fakeContext('plan', { memory_gb: 0.01 }, { root: sub('plan-small'), needs: [convertOut] });
    await expect(planStage.run(ctx)).rejects.toThrow(/memory_gb = 0\.01 is too small:\n {2}case liver_0 needs an estimated/);
  });

  it('resumes case by case after an interruption, with the same plan', async () => {
    const controller = new AbortController();
    const first = await fakeContext('plan', { workers: 1 }, { root: sub('plan-resume'), needs: [convertOut] });
    let seen = 0;
    const aborting: FakeContext = {
      ...first,
      signal: controller.signal,
      report: { ...first.report, progress: (p) => { if (p.done > 0 && ++seen === 7) controller.abort(new Error('killed')); } },
    };
    await expect(planStage.run(aborting)).rejects.toThrow(/killed/);
    const again = await fakeContext('plan', { workers: 2 }, { root: sub('plan-resume2'), needs: [convertOut] });
    await planStage.run({ ...again, work: first.work, resume: true });
    const reused = again.progressCalls.filter((p) => p.message?.endsWith('(done before)')).length;
    expect(reused).toBeGreaterThanOrEqual(7);
    expect(reused).toBeLessThan(20);
    for (const f of ['plans.json', 'fingerprint.json', 'splits.json']) {
      expect(await readFile(join(again.out, f), 'utf8')).toBe(await readFile(join(planOut.out, f), 'utf8'));
    }
  });

  it('writes a deterministic, disjoint 5-fold split', async () => {
    const splits = await json<Split[]>(join(planOut.out, 'splits.json'));
    expect(splits).toEqual(kfoldSplits(task.training.map((c) => c.id)));
    expect(splits.map((s) => s.val.length)).toEqual([4, 4, 4, 4, 4]);
    expect(new Set(splits.flatMap((s) => s.val)).size).toBe(20);
  });
});

describe('preprocess on a generated task', () => {
  it('writes plans/splits/dataset copies and three files per case', async () => {
    expect((await readdir(preprocessOut)).sort()).toEqual(['cases', 'dataset.json', 'plans.json', 'splits.json']);
    const files = await readdir(join(preprocessOut, 'cases'));
    expect(files.length).toBe(60);
  });

  it('writes .npy arrays numpy reads with the shapes and dtypes of the properties', async () => {
    const out = python(`
import numpy as np, json, glob, os
res = []
for f in sorted(glob.glob('${preprocessOut}/cases/*.json')):
    p = json.load(open(f))
    d = np.load(f[:-5] + '.data.npy', mmap_mode='r')
    s = np.load(f[:-5] + '.seg.npy', mmap_mode='r')
    res.append([p['id'], list(d.shape), str(d.dtype), list(s.shape), str(s.dtype), bool(d.flags['C_CONTIGUOUS']),
                sorted(int(v) for v in np.unique(s)), bool(np.isfinite(d).all())])
print(json.dumps(res))`);
    const rows = JSON.parse(out) as [string, number[], string, number[], string, boolean, number[], boolean][];
    expect(rows.length).toBe(20);
    for (const [id, dShape, dType, sShape, sType, cOrder, values, finite] of rows) {
      const p = await json<CaseProperties>(join(preprocessOut, 'cases', `${id}.json`));
      expect(dShape).toEqual([1, ...p.shape]);
      expect(sShape).toEqual(p.shape);
      expect([dType, sType, cOrder, finite]).toEqual(['float32', 'int8', true, true]);
      expect(values.every((v) => [-1, 0, 1, 2].includes(v))).toBe(true);
    }
  });

  it('resamples to the plan spacing, normalises with the fingerprint statistics and samples class locations', async () => {
    const plans = await json<Plans>(join(preprocessOut, 'plans.json'));
    const ip = plans.fingerprint.intensityProperties?.[0];
    if (!ip) throw new Error('no CT statistics');
    const lo = (ip.percentile00_5 - ip.mean) / ip.sd;
    const hi = (ip.percentile99_5 - ip.mean) / ip.sd;
    for (const c of task.training) {
      const p = await json<CaseProperties>(join(preprocessOut, 'cases', `${c.id}.json`));
      const target = plans.configurations['3d_fullres'].spacing;
      expect(p.spacing).toEqual(target);
      const expected = p.shapeAfterCropping.map((s, i) => Math.round(((p.originalSpacing[i] as number) / (target[i] as number)) * s));
      p.shape.forEach((s, i) => expect(Math.abs(s - (expected[i] as number))).toBeLessThanOrEqual(1)); // half-even vs half-up
      // Separate z when the case's spacing, or else the target spacing, has max/min > 3 (z is the coarse axis here).
      const aniso = (s: readonly number[]) => Math.max(...s) / Math.min(...s) > 3;
      expect(p.resampling.nearestAxis).toBe(aniso(p.originalSpacing) || aniso(target) ? 0 : -1);
      const data = readNpy(join(preprocessOut, 'cases', `${c.id}.data.npy`)).data;
      let mn = Infinity;
      let mx = -Infinity;
      for (const v of data) {
        mn = Math.min(mn, v);
        mx = Math.max(mx, v);
      }
      expect(mn).toBeGreaterThanOrEqual(lo - 1e-4);
      expect(mx).toBeLessThanOrEqual(hi + 1e-4);
      const seg = readNpy(join(preprocessOut, 'cases', `${c.id}.seg.npy`)).data;
      for (const cls of ['1', '2']) {
        const locs = p.classLocations[cls] ?? [];
        let count = 0;
        for (const v of seg) if (v === Number(cls)) count++;
        expect(locs.length).toBe(count === 0 ? 0 : Math.max(Math.min(10000, count), Math.ceil(0.01 * count)));
        for (const [z, y, x] of locs.slice(0, 50)) {
          expect(seg[((z as number) * (p.shape[1] as number) + (y as number)) * (p.shape[2] as number) + (x as number)]).toBe(Number(cls));
        }
      }
      expect(p.geometry.affine.length).toBe(4);
      expect(p.cropBbox.length).toBe(3);
    }
  });

  it('resumes case by case: an interrupted run redoes only the unfinished cases, with identical output', async () => {
    const controller = new AbortController();
    const first = await fakeContext('preprocess', { workers: 1, memory_gb: 2 }, { root: sub('resume'), needs: [planOut, convertOut] });
    let seen = 0;
    const aborting: FakeContext = {
      ...first,
      signal: controller.signal,
      report: { ...first.report, progress: (p) => { if (p.done > 0 && ++seen === 6) controller.abort(new Error('killed')); } },
    };
    await expect(preprocessStage.run(aborting)).rejects.toThrow(/killed/);
    const finished = (await readdir(join(first.work, 'cases'))).filter((f) => f.endsWith('.json')).length;
    expect(finished).toBeGreaterThanOrEqual(6);
    expect(finished).toBeLessThan(20);
    const again = await fakeContext('preprocess', { workers: 2, memory_gb: 2 }, { root: sub('resume'), needs: [planOut, convertOut] });
    const resumed: FakeContext = { ...again, work: first.work, resume: true };
    await preprocessStage.run(resumed);
    expect(again.metricsCalls.at(-1)).toMatchObject({ resumed: finished, processed: 20 - finished });
    for (const c of task.training.slice(0, 20)) {
      const a = await readFile(join(preprocessOut, 'cases', `${c.id}.data.npy`));
      const b = await readFile(join(again.out, 'cases', `${c.id}.data.npy`));
      expect(a.equals(b)).toBe(true);
    }
  });

  it('refuses a configuration the plan does not have', async () => {
    const ctx = await fakeContext('preprocess', { configuration: '3d_lowres' }, { root: sub('lowres'), needs: [planOut, convertOut] });
    await expect(preprocessStage.run(ctx)).rejects.toThrow(/plans.json has no configuration 3d_lowres \(available: 3d_fullres\)/);
  });

  it('fails naming the case when one case cannot fit the memory budget', async () => {
    const ctx = await fakeContext('preprocess', { workers: 2, memory_gb: 0.01 }, { root: sub('small'), needs: [planOut, convertOut] });
    await expect(preprocessStage.run(ctx)).rejects.toThrow(/memory_gb = 0\.01 is too small:\n {2}case liver_\d+ needs an estimated/);
  });
});

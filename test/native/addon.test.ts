// The typed addon API end to end on a tiny network: option validation messages, the defaults core owns
// (defaultTrainOptions / defaultPredictOptions) and their round trip, checked binding arguments, progress events,
// abort writing a checkpoint and an exact resume through the JS API, checkpoint inspection, error codes for a
// foreign plan and a non-checkpoint, and prediction from a .npy path returning probabilities and labels.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import {
  addonAvailable,
  casesFromPreprocessed,
  defaultPredictOptions,
  defaultTrainOptions,
  loadPreprocessNative,
  networkFromPlans,
  predictVolume,
  readCheckpointInfo,
  resolvePredictOptions,
  resolveTrainOptions,
  runtimeInfo,
  trainModel,
} from '../../src/native/addon/index.js';
import type { NetworkPlan, PredictOptions, TrainOptions, TrainProgress } from '../../src/native/addon/index.js';
import { writePhantomDataset } from './helpers/phantom.js';

const network: NetworkPlan = {
  inChannels: 1,
  numClasses: 3,
  baseFeatures: 4,
  maxFeatures: 8,
  poolKernels: [[2, 2, 2], [2, 2, 2]],
  convKernels: [[3, 3, 3], [3, 3, 3], [3, 3, 3]],
};

const mustRun = addonAvailable() || Boolean(process.env['CI']);

// The defaults come from the addon, so resolving options needs it too.
describe.runIf(mustRun)('option validation and the defaults core owns', () => {
  const base = { network, trainCases: [{ id: 'a', dataPath: 'a', segPath: 'b' }], outDir: '/tmp', patchSize: [16, 16, 16] };
  it('fills the recipe defaults', () => {
    const o = resolveTrainOptions(base as TrainOptions);
    expect(o).toMatchObject({ batchSize: 2, epochs: 1000, iterationsPerEpoch: 250, valIterations: 50, initialLr: 0.01 });
    expect(o).toMatchObject({ momentum: 0.99, nesterov: true, weightDecay: 3e-5, polyExponent: 0.9, gradClip: 12 });
    expect(o.headWeights).toEqual([]); // the network's own weights, resolved by core (DefaultHeadWeights)
    expect(o.network.architecture).toBeUndefined(); // core's default, unetpp
    const unet = { ...base, network: { ...network, architecture: 'unet' } } as TrainOptions;
    expect(resolveTrainOptions(unet).network.architecture).toBe('unet');
    expect(o.loaderPatchSize).toEqual([16, 16, 16]);
  });
  it('names the field and the value it refuses', () => {
    expect(() => resolveTrainOptions({ ...base, patchSize: [16, 16, 15] } as TrainOptions)).toThrow(
      'Expected a multiple of 4 (product of the pool kernels) for patchSize[2] but received 15 (number)',
    );
    expect(() => resolveTrainOptions({ ...base, batchSize: 0 } as TrainOptions)).toThrow(
      'Expected an integer >= 1 for batchSize but received 0 (number)',
    );
    expect(() => resolveTrainOptions({ ...base, amp: 'fp8' } as unknown as TrainOptions)).toThrow(/for amp but received "fp8"/);
    expect(() => resolveTrainOptions({ ...base, network: { ...network, convKernels: [[3, 3, 3]] } } as TrainOptions)).toThrow(
      /for network.convKernels/,
    );
    expect(() =>
      resolveTrainOptions({ ...base, network: { ...network, architecture: 'vnet' } } as unknown as TrainOptions),
    ).toThrow('Expected "unetpp" | "unet" for network.architecture but received "vnet" (string)');
  });
  it('builds the network from a plans.json configuration', () => {
    const plans = {
      numClasses: 3,
      numInputChannels: 1,
      configurations: {
        '3d_fullres': {
          patchSize: [128, 128, 128],
          batchSize: 2,
          poolKernels: Array(5).fill([2, 2, 2]),
          convKernels: Array(6).fill([3, 3, 3]),
          baseFeatures: 32,
          maxFeatures: 320,
        },
      },
    };
    expect(networkFromPlans(plans)).toEqual({
      inChannels: 1,
      numClasses: 3,
      baseFeatures: 32,
      maxFeatures: 320,
      poolKernels: Array(5).fill([2, 2, 2]),
      convKernels: Array(6).fill([3, 3, 3]),
    });
    expect(() => networkFromPlans(plans, '3d_lowres')).toThrow(/plans.configurations\["3d_lowres"\]/);
  });
  it('defaultTrainOptions() holds the recipe defaults, and fed back resolves to the same options', () => {
    const defaults = defaultTrainOptions();
    expect(defaults).toMatchObject({ batchSize: 2, epochs: 1000, iterationsPerEpoch: 250, oversampleForeground: 0.33 });
    expect(defaults.augmentation).toMatchObject({ enabled: true, pipeline: 'full', mirrorAxes: [1, 1, 1], gammaP: 0.3 });
    expect(Object.keys(defaults)).not.toContain('network');
    const resolved = resolveTrainOptions(base as TrainOptions);
    expect(resolveTrainOptions({ ...base, ...defaults } as unknown as TrainOptions)).toEqual(resolved);
    // threads 0 is core's "all cores", which TypeScript resolves to the cores this process may use
    for (const [key, value] of Object.entries(defaults))
      if (key !== 'threads') expect(resolved[key as keyof typeof resolved], key).toEqual(value);
  });
  it('defaultPredictOptions() fed back resolves to the same options', () => {
    const defaults = defaultPredictOptions();
    expect(defaults).toMatchObject({ patchSize: [0, 0, 0], step: 0.5, head: 'last', output: 'labels' });
    const given = { checkpoint: '/tmp/c.pt', dataPath: '/tmp/a.npy' };
    const resolved = resolvePredictOptions(given);
    expect(resolvePredictOptions({ ...given, ...defaults } as unknown as PredictOptions)).toEqual(resolved);
    for (const [key, value] of Object.entries(defaults))
      if (key !== 'threads') expect(resolved[key as keyof typeof resolved], key).toEqual(value);
  });
});

describe.runIf(mustRun)('checked arguments of the raw binding', () => {
  it('a wrong-typed preprocess argument throws a TypeError naming it', () => {
    const kernels = loadPreprocessNative();
    const data = new Float32Array(8);
    const call = (nearestAxis: unknown) => () =>
      kernels.resampleImage(data, [2, 2, 2], [4, 4, 4], nearestAxis as number, 1);
    expect(call('x')).toThrow(TypeError);
    expect(call('x')).toThrow(
      'Expected an integer in [-1, 2] for nearestAxis (argument 4 of resampleImage) but received "x" (string)',
    );
    expect(call(7)).toThrow(/for nearestAxis \(argument 4 of resampleImage\) but received 7 \(number\)/);
    expect(() => kernels.normalizeCT(data, 0, 1, 0, 1, undefined as unknown as number)).toThrow(
      /for threads \(argument 6 of normalizeCT\) but received undefined/,
    );
    expect(() => kernels.resampleImage(new Float32Array(7), [2, 2, 2], [4, 4, 4], -1, 1)).toThrow(
      /Expected 8 elements \(the product of shape\) for data \(argument 1 of resampleImage\)/,
    );
    expect(() => kernels.sampleForeground(data, new Uint8Array(8) as unknown as Int8Array, 1)).toThrow(
      'Expected an Int8Array for seg (argument 2 of sampleForeground) but received a Uint8Array of length 8',
    );
  });
});

describe.runIf(mustRun)('native runtime through the typed API', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pipe-addon-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writePhantomDataset(dir, ['a', 'b', 'c'], 24, 3);

  const options = async (out: string): Promise<TrainOptions> => ({
    network,
    trainCases: await casesFromPreprocessed(dir, ['a', 'b']),
    valCases: await casesFromPreprocessed(dir, ['c']),
    outDir: out,
    patchSize: [16, 16, 16],
    epochs: 3,
    iterationsPerEpoch: 2,
    valIterations: 1,
    threads: 2,
    seed: 5,
    checkpointEvery: 0,
  });

  it('reports the LibTorch it runs on', () => {
    const info = runtimeInfo();
    expect(info.torchVersion).toMatch(/^\d+\.\d+/);
    expect(typeof info.cudaAvailable).toBe('boolean');
  });

  it("headWeights left out: UNet++ trains exactly as with all 1, unet with nnU-Net's own weights", { timeout: 120_000 }, async () => {
    const digest = async (o: Partial<TrainOptions>): Promise<string> => {
      const base = await options(mkdtempSync(join(dir, 'weights-')));
      return (await trainModel({ ...base, epochs: 1, threads: 1, ...o })).weightsDigest;
    };
    expect(await digest({})).toBe(await digest({ headWeights: [1, 1] }));
    const unet: NetworkPlan = { ...network, architecture: 'unet' };
    // Two poolings: nnU-Net's weights are [0, 1] (the coarsest output masked), not all 1.
    const unetDefault = await digest({ network: unet });
    expect(unetDefault).toBe(await digest({ network: unet, headWeights: [0, 1] }));
    expect(unetDefault).not.toBe(await digest({ network: unet, headWeights: [1, 1] }));
  });

  it('aborts with a checkpoint and resumes to the same weights as a straight run', { timeout: 120_000 }, async () => {
    const straightDir = mkdtempSync(join(dir, 'straight-'));
    const epochs: TrainProgress[] = [];
    const straight = await trainModel(await options(straightDir), {
      onProgress: (e) => e.kind === 'epoch' && epochs.push(e),
    });
    expect(straight.epochsCompleted).toBe(3);
    expect(epochs.map((e) => e.epoch)).toEqual([0, 1, 2]);
    expect(epochs[1]?.lr).toBeCloseTo(0.01 * (1 - 1 / 3) ** 0.9, 10);
    for (const e of epochs) {
      expect(Number.isFinite(e.loss) && Number.isFinite(e.valLoss ?? NaN)).toBe(true);
      expect(e.pseudoDice).toBeGreaterThanOrEqual(0);
    }
    expect(straight.pseudoDiceEma[1]).toBeCloseTo(0.9 * (straight.pseudoDiceEma[0] ?? 0) + 0.1 * (straight.pseudoDice[1] ?? 0), 10);

    const splitDir = mkdtempSync(join(dir, 'split-'));
    const controller = new AbortController();
    const events: TrainProgress[] = [];
    const first = await trainModel(await options(splitDir), {
      signal: controller.signal,
      onProgress: (e) => {
        events.push(e);
        if (e.kind === 'iteration' && e.epoch === 0 && e.iteration === 1) controller.abort();
      },
    });
    expect(first.aborted).toBe(true);
    expect(first.latestCheckpoint).toBe(join(splitDir, 'checkpoint_latest.pt'));
    // Events reach JS asynchronously, so the native loop may have run on a little before it saw the abort; the
    // checkpoint records exactly where it stopped.
    const iterations = events.filter((e) => e.kind === 'iteration').length;
    expect(iterations).toBeGreaterThanOrEqual(1);
    expect(iterations).toBeLessThan(6);
    const iterationEvent = events.find((e) => e.kind === 'iteration');
    expect(iterationEvent?.lr).toBeCloseTo(0.01, 10);
    expect(iterationEvent?.samplesPerSecond).toBeGreaterThan(0);
    expect(iterationEvent?.headLosses.length).toBe(2);
    // The time the steps waited for the loader threads (measured in loader_test): a running total, within the run.
    const waits = events.filter((e) => e.kind === 'iteration').map((e) => e.loaderWaitSeconds ?? NaN);
    expect(waits[0]).toBeGreaterThanOrEqual(0);
    waits.slice(1).forEach((w, i) => expect(w).toBeGreaterThanOrEqual(waits[i] ?? Infinity));
    expect(straight.loaderWaitSeconds).toBeGreaterThanOrEqual(0);
    expect(straight.loaderWaitSeconds).toBeLessThan(straight.seconds);

    const info = await readCheckpointInfo(first.latestCheckpoint ?? '');
    expect(info).toMatchObject({ kind: 'latest', epochs: 3, formatVersion: 3 });
    expect(info.epoch * 2 + info.iteration).toBe(iterations);
    expect(info.trainLoss.length).toBe(info.epoch);
    expect(info.network).toEqual({ architecture: 'unetpp', ...network });
    expect(info.planHash).toMatch(/^[0-9a-f]{16}$/);

    const resumed = await trainModel({ ...(await options(splitDir)), resumeFrom: first.latestCheckpoint ?? '' });
    expect(resumed.epochsCompleted).toBe(3);
    resumed.trainLoss.forEach((l, i) => expect(l).toBeCloseTo(straight.trainLoss[i] ?? NaN, 6));
    // Same weights -> same probabilities.
    const a = await predictVolume({ checkpoint: straight.finalCheckpoint ?? '', dataPath: join(dir, 'cases', 'c.data.npy'), output: 'probabilities', mirror: false });
    const b = await predictVolume({ checkpoint: resumed.finalCheckpoint ?? '', dataPath: join(dir, 'cases', 'c.data.npy'), output: 'both', mirror: false });
    expect(a.shape).toEqual([3, 24, 24, 24]);
    expect(a.labels).toBeUndefined();
    expect(b.labels?.length).toBe(24 * 24 * 24);
    let maxDiff = 0;
    a.probabilities?.forEach((p, i) => (maxDiff = Math.max(maxDiff, Math.abs(p - (b.probabilities?.[i] ?? 0)))));
    expect(maxDiff).toBeLessThan(1e-5);
  });

  it('refuses a checkpoint of another plan with EPLAN_MISMATCH naming the field', { timeout: 60_000 }, async () => {
    const out = mkdtempSync(join(dir, 'mismatch-'));
    const trained = await trainModel({ ...(await options(out)), epochs: 1, iterationsPerEpoch: 1 });
    const other = { ...network, numClasses: 4 };
    await expect(
      trainModel({ ...(await options(out)), network: other, resumeFrom: trained.finalCheckpoint ?? '' }),
    ).rejects.toMatchObject({ name: 'NativeError', code: 'EPLAN_MISMATCH', message: expect.stringContaining('numClasses: checkpoint 3, plan 4') });
  });

  it('rejects a file that is not a checkpoint with ECHECKPOINT', async () => {
    await expect(readCheckpointInfo(join(dir, 'cases', 'a.data.npy'))).rejects.toMatchObject({ code: 'ECHECKPOINT' });
  });
});

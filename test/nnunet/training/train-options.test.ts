// The one with: -> native TrainOptions mapping (src/nnunet/training/train-options.ts), and the perf modes going
// through it: a train option reaches the runtime the same way in every mode.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

import type { TrainOptions } from '../../../src/native/addon/index.js';

const received: TrainOptions[] = [];
vi.mock('../../../src/native/addon/index.js', async (original) => ({
  ...(await original<object>()),
  // The perf modes' trainer: records the options and reports the iterations they ask for.
  trainModel: vi.fn(async (options: TrainOptions, hooks: { onProgress?: (e: object) => void }) => {
    received.push(options);
    for (let i = 1; i <= (options.iterationsPerEpoch ?? 0); i++) {
      hooks.onProgress?.({ kind: 'iteration', epoch: 0, epochs: 1, iteration: i, iterations: options.iterationsPerEpoch, samplesPerSecond: 1, loaderWaitSeconds: 0 });
    }
    return { aborted: false, epochsCompleted: 1 };
  }),
}));

const { augmentationOf, trainOptionsFor } = await import('../../../src/nnunet/training/train-options.js');
const { runFps, FPS_TIMED, FPS_WARMUP } = await import('../../../src/nnunet/training/perf.js');
const { networkFor } = await import('../../../src/nnunet/training/setup.js');
const { fakeContext } = await import('../../helpers/fake-context.js');
import type { TrainSetup } from '../../../src/nnunet/training/setup.js';
import type { TrainWith } from '../../../src/nnunet/training/with.js';

const network = { inChannels: 1, numClasses: 2, baseFeatures: 4, maxFeatures: 8, poolKernels: [[2, 2, 2]], convKernels: [[3, 3, 3], [3, 3, 3]] } as TrainSetup['network'];
const caseOf = (id: string) => ({ id, dataPath: `${id}.data.npy`, segPath: `${id}.seg.npy` });

function setup(valCases = [caseOf('c')]): TrainSetup {
  return {
    fold: { dir: '/pre', plans: {} as never, stage: {} as never, train: ['a', 'b'], val: valCases.map((c) => c.id) },
    network, patchSize: [8, 8, 8], batchSize: 2, trainCases: [caseOf('a'), caseOf('b')], valCases,
    placement: { device: 'cuda:0', threads: 6, devices: ['0'], worldSize: 1 },
    planned: { network, patchSize: [8, 8, 8], batchSize: 2 },
  };
}

async function trainWith(extra: Record<string, unknown> = {}): Promise<TrainWith> {
  return (await fakeContext('train', { fold: 2, ...extra })).with as TrainWith;
}

describe('trainOptionsFor', () => {
  it('maps every with: field the runtime takes; each fold seeds with seed + fold', async () => {
    const w = await trainWith({ seed: 10, epochs: 3, iterations_per_epoch: 4, val_iterations: 5, initial_lr: 0.02, oversample_foreground: 0.5,
      augmentation: 'basic', loader_threads: 2, amp: 'bf16', channels_last: 'on', checkpoint_every: 7 });
    const s = setup();
    expect(trainOptionsFor(w, s, { outDir: '/run', resumeFrom: '/run/checkpoint_latest.pt' })).toEqual({
      network, trainCases: s.trainCases, valCases: s.valCases, outDir: '/run', patchSize: [8, 8, 8], batchSize: 2,
      epochs: 3, iterationsPerEpoch: 4, valIterations: 5, initialLr: 0.02, oversampleForeground: 0.5,
      augmentation: { enabled: true, pipeline: 'basic', loaderThreads: 2 }, device: 'cuda:0', amp: 'bf16', channelsLast: 'on',
      threads: 6, seed: 12, checkpointEvery: 7, progressEvery: 1, resumeFrom: '/run/checkpoint_latest.pt',
    });
  });

  it('network: the architecture with: names reaches the runtime in the network plan (unetpp by default)', async () => {
    const planned = { ...network, baseFeatures: 32, maxFeatures: 320 };
    const unet = await trainWith({ network: 'unet', base_features: 8 });
    const s = { ...setup(), network: networkFor(unet, planned) };
    expect(trainOptionsFor(unet, s, { outDir: '/run' }).network).toEqual({ ...planned, architecture: 'unet', baseFeatures: 8 });
    expect(networkFor(await trainWith(), planned)).toEqual({ ...planned, architecture: 'unetpp' });
    const narrow = await trainWith({ base_features: 64, max_features: 16 });
    expect(() => networkFor(narrow, planned)).toThrow(/with.max_features \(16\) must be >= base_features \(64\)/);
  });

  it('no validation cases: no validation batches; no checkpoint to resume: no resumeFrom', async () => {
    const options = trainOptionsFor(await trainWith({ val_iterations: 9 }), setup([]), { outDir: '/run' });
    expect(options.valIterations).toBe(0);
    expect('resumeFrom' in options).toBe(false);
  });

  it('augmentation: off turns the chain off; loader_threads null leaves the runtime its default', async () => {
    expect(augmentationOf(await trainWith({ augmentation: 'off', loader_threads: 3 }))).toEqual({ enabled: false });
    expect(augmentationOf(await trainWith())).toEqual({ enabled: true, pipeline: 'full' });
  });
});

describe('perf modes take the same mapping', () => {
  it('fps: the fold\'s options cut to one epoch of warm-up + timed iterations, no validation, no checkpoint', async () => {
    const w = await trainWith({ mode: 'fps', seed: 1, initial_lr: 0.03, oversample_foreground: 0.6, amp: 'off' });
    const ctx = await fakeContext('train', { fold: 2, mode: 'fps' }, { root: mkdtempSync(join(tmpdir(), 'pipe-fps-')) });
    received.length = 0;
    await runFps(ctx, w, setup());
    expect(received).toHaveLength(1);
    expect(received[0]).toEqual({
      ...trainOptionsFor(w, setup(), { outDir: join(ctx.work, 'perf-fps') }),
      valCases: [], epochs: 1, iterationsPerEpoch: FPS_WARMUP + FPS_TIMED, valIterations: 0, checkpointEvery: 0,
    });
    expect(received[0]).toMatchObject({ seed: 3, initialLr: 0.03, oversampleForeground: 0.6, amp: 'off', device: 'cuda:0', threads: 6 });
  });
});

// User-facing training / prediction options: every field documented, validated and filled with the recipe's
// defaults (recipe 8.2-8.5, 10.3) before anything reaches the native runtime. The defaults themselves come from the
// addon (defaultTrainOptions / defaultPredictOptions: core's option structs own them); this file keeps the range
// checks. Resolving therefore loads the addon, and fails with its "Could not load" error where it cannot.
import { availableParallelism } from 'node:os';

import { loadAddon } from './load.js';
import type {
  AmpSetting,
  Axes3,
  ChannelsLastSetting,
  NativeCase,
  NativePredictDefaults,
  NativePredictOptions,
  NetworkArchitecture,
  NetworkPlan,
} from './native.js';
import type { NativeTrainDefaults, NativeTrainOptions, TrainOptions } from './train-option-types.js';
import { checkPatchSize } from './plans.js';
import { axes, bool, fail, int, num, object, oneOf, opt, str } from './validate.js';

const AMP: readonly AmpSetting[] = ['auto', 'off', 'bf16', 'fp16'];
const CHANNELS_LAST: readonly ChannelsLastSetting[] = ['off', 'on', 'auto'];
export const NETWORK_ARCHITECTURES: readonly NetworkArchitecture[] = ['unetpp', 'unet'];
export interface PredictOptions {
  checkpoint: string;
  /** (C, Z, Y, X) float32 C order with its shape, or a preprocessed .data.npy path. */
  volume?: Float32Array;
  shape?: [number, number, number, number];
  dataPath?: string;
  /** Default: the checkpoint's training patch. */
  patchSize?: Axes3;
  /** Tile step as a fraction of the patch (0.5). */
  step?: number;
  /** Gaussian importance weighting, sigma = patch/8 (true). */
  gaussian?: boolean;
  /** Test-time mirroring over mirrorAxes (true; all axes). */
  mirror?: boolean;
  mirrorAxes?: [boolean, boolean, boolean];
  /**
   * 'last' = the network's full-resolution head X^{0,npool} (default), 'average' = mean softmax of all heads, or k
   * (1..npool) = head X^{0,k}. A unet checkpoint takes only 'last' (or npool): its other heads are below full
   * resolution.
   */
  head?: 'last' | 'average' | number;
  /** Tiles per forward pass (1). */
  tileBatch?: number;
  device?: string;
  amp?: AmpSetting;
  threads?: number;
  /** What to return: 'labels' (default), 'probabilities' or 'both'. */
  output?: 'labels' | 'probabilities' | 'both';
}

export function validateNetwork(value: unknown, field = 'network'): NetworkPlan {
  const n = object(value, field);
  const list = (v: unknown, f: string): Axes3[] => {
    if (!Array.isArray(v)) fail('an array of [z, y, x]', f, v);
    return v.map((k, i) => axes(k, `${f}[${i}]`));
  };
  const poolKernels = list(n['poolKernels'], `${field}.poolKernels`);
  const convKernels = list(n['convKernels'], `${field}.convKernels`);
  if (poolKernels.length < 1) fail('at least one pooling', `${field}.poolKernels`, n['poolKernels']);
  if (convKernels.length !== poolKernels.length + 1)
    fail(`${poolKernels.length + 1} entries (npool + 1)`, `${field}.convKernels`, n['convKernels']);
  convKernels.forEach((k, i) =>
    k.forEach((v, a) => {
      if (v % 2 === 0) fail('odd kernel sizes', `${field}.convKernels[${i}][${a}]`, v);
    }),
  );
  const baseFeatures = int(n['baseFeatures'], `${field}.baseFeatures`, 1);
  // Left out: core's default ('unetpp', NetworkPlan::architecture in native/src/core/network_plan.h).
  const architecture = opt(n['architecture'], undefined, (v) => oneOf(v, `${field}.architecture`, NETWORK_ARCHITECTURES));
  return {
    ...(architecture === undefined ? {} : { architecture }),
    inChannels: int(n['inChannels'], `${field}.inChannels`, 1),
    numClasses: int(n['numClasses'], `${field}.numClasses`, 2),
    baseFeatures,
    maxFeatures: int(n['maxFeatures'], `${field}.maxFeatures`, baseFeatures),
    poolKernels,
    convKernels,
  };
}

function validateCases(value: unknown, field: string): NativeCase[] {
  if (!Array.isArray(value)) fail('an array of cases', field, value);
  return value.map((c, i) => {
    const f = `${field}[${i}]`;
    const o = object(c, f);
    const out: NativeCase = {
      id: str(o['id'], `${f}.id`),
      dataPath: str(o['dataPath'], `${f}.dataPath`),
      segPath: str(o['segPath'], `${f}.segPath`),
    };
    if (o['classLocations'] !== undefined) {
      const locs = object(o['classLocations'], `${f}.classLocations`);
      for (const [k, v] of Object.entries(locs)) {
        if (!/^\d+$/.test(k)) fail('integer class labels as keys', `${f}.classLocations`, k);
        if (!(v instanceof Int32Array) || v.length % 3 !== 0)
          fail('an Int32Array of z,y,x triples', `${f}.classLocations.${k}`, v);
      }
      out.classLocations = locs as Record<string, Int32Array>;
    }
    return out;
  });
}

/** [z, y, x] booleans (or the binding's 0 / 1 flags, as the defaults carry them) -> 0 / 1 flags. */
function axisFlags(value: unknown, field: string): Axes3 {
  if (!Array.isArray(value) || value.length !== 3) fail('[z, y, x] booleans', field, value);
  return [0, 1, 2].map((i) => {
    const v: unknown = value[i];
    return v === 0 || v === 1 ? v : bool(v, `${field}[${i}]`) ? 1 : 0;
  }) as Axes3;
}

/** threads: 0 (the defaults' "all cores") resolves to the cores this process may use. */
function threadCount(value: number): number {
  return value === 0 ? availableParallelism() : value;
}

/** core's defaults of every training option that has one (native/src/core/train_options.h). */
export function defaultTrainOptions(): NativeTrainDefaults {
  return loadAddon().defaultTrainOptions();
}

/** core's defaults of every prediction option that has one (native/src/core/sliding_window.h). */
export function defaultPredictOptions(): NativePredictDefaults {
  return loadAddon().defaultPredictOptions();
}

const prob = (field: string) => (v: unknown) => num(v, field, 0, 1);

export function resolveTrainOptions(options: TrainOptions): NativeTrainOptions {
  const d = defaultTrainOptions();
  const da = d.augmentation;
  const o = object(options, 'options');
  const network = validateNetwork(o['network']);
  const trainCases = validateCases(o['trainCases'], 'trainCases');
  if (trainCases.length === 0) fail('at least one case', 'trainCases', o['trainCases']);
  const patchSize = checkPatchSize(axes(o['patchSize'], 'patchSize'), network, 'patchSize');
  const loaderPatchSize = opt(o['loaderPatchSize'], patchSize, (v) => axes(v, 'loaderPatchSize'));
  loaderPatchSize.forEach((v, a) => {
    if (v < (patchSize[a] ?? 0)) fail(`>= patchSize[${a}] (${patchSize[a]})`, `loaderPatchSize[${a}]`, v);
  });
  const aug = object(o['augmentation'] ?? {}, 'augmentation');
  // [] = the network's own weights (core resolves them: DefaultHeadWeights).
  const headWeights = opt(o['headWeights'], [] as number[], (v) => {
    if (!Array.isArray(v) || v.length !== network.poolKernels.length)
      fail(`${network.poolKernels.length} numbers (one per head)`, 'headWeights', v);
    const w = v.map((x, i) => num(x, `headWeights[${i}]`, 0));
    if (!w.some((x) => x > 0)) fail('at least one positive weight', 'headWeights', v);
    return w;
  });
  return {
    network,
    trainCases,
    valCases: opt(o['valCases'], [], (v) => validateCases(v, 'valCases')),
    outDir: str(o['outDir'], 'outDir'),
    batchSize: opt(o['batchSize'], d.batchSize, (v) => int(v, 'batchSize', 1)),
    patchSize,
    loaderPatchSize,
    epochs: opt(o['epochs'], d.epochs, (v) => int(v, 'epochs', 1)),
    iterationsPerEpoch: opt(o['iterationsPerEpoch'], d.iterationsPerEpoch, (v) => int(v, 'iterationsPerEpoch', 1)),
    valIterations: opt(o['valIterations'], d.valIterations, (v) => int(v, 'valIterations', 0)),
    initialLr: opt(o['initialLr'], d.initialLr, (v) => num(v, 'initialLr', 0)),
    momentum: opt(o['momentum'], d.momentum, (v) => num(v, 'momentum', 0, 1)),
    nesterov: opt(o['nesterov'], d.nesterov, (v) => bool(v, 'nesterov')),
    weightDecay: opt(o['weightDecay'], d.weightDecay, (v) => num(v, 'weightDecay', 0)),
    polyExponent: opt(o['polyExponent'], d.polyExponent, (v) => num(v, 'polyExponent', 0)),
    gradClip: opt(o['gradClip'], d.gradClip, (v) => num(v, 'gradClip', 0)),
    oversampleForeground: opt(o['oversampleForeground'], d.oversampleForeground, prob('oversampleForeground')),
    batchDice: opt(o['batchDice'], d.batchDice, (v) => bool(v, 'batchDice')),
    diceSmooth: opt(o['diceSmooth'], d.diceSmooth, (v) => num(v, 'diceSmooth', 0)),
    headWeights,
    augmentation: {
      enabled: opt(aug['enabled'], da.enabled, (v) => bool(v, 'augmentation.enabled')),
      pipeline: opt(aug['pipeline'], da.pipeline, (v) => oneOf(v, 'augmentation.pipeline', ['full', 'basic'] as const)),
      loaderThreads: opt(aug['loaderThreads'], da.loaderThreads, (v) => int(v, 'augmentation.loaderThreads', 0, 256)),
      mirror: opt(aug['mirror'], da.mirror, (v) => bool(v, 'augmentation.mirror')),
      mirrorAxes: axisFlags(aug['mirrorAxes'] ?? da.mirrorAxes, 'augmentation.mirrorAxes'),
      mirrorP: opt(aug['mirrorP'], da.mirrorP, prob('augmentation.mirrorP')),
      brightnessP: opt(aug['brightnessP'], da.brightnessP, prob('augmentation.brightnessP')),
      contrastP: opt(aug['contrastP'], da.contrastP, prob('augmentation.contrastP')),
      gammaP: opt(aug['gammaP'], da.gammaP, prob('augmentation.gammaP')),
    },
    device: opt(o['device'], d.device, (v) => deviceName(v, 'device')),
    amp: opt(o['amp'], d.amp, (v) => oneOf(v, 'amp', AMP)),
    channelsLast: opt(o['channelsLast'], d.channelsLast, (v) => oneOf(v, 'channelsLast', CHANNELS_LAST)),
    threads: threadCount(opt(o['threads'], d.threads, (v) => int(v, 'threads', 0))),
    seed: opt(o['seed'], d.seed, (v) => int(v, 'seed', 0, Number.MAX_SAFE_INTEGER)),
    checkpointEvery: opt(o['checkpointEvery'], d.checkpointEvery, (v) => int(v, 'checkpointEvery', 0)),
    resumeFrom: opt(o['resumeFrom'], d.resumeFrom, (v) => str(v, 'resumeFrom', false)),
    progressEvery: opt(o['progressEvery'], d.progressEvery, (v) => int(v, 'progressEvery', 1)),
    emaAlpha: opt(o['emaAlpha'], d.emaAlpha, prob('emaAlpha')),
    ...distributedFields(o, d),
  };
}

function distributedFields(o: Record<string, unknown>, d: NativeTrainDefaults) {
  const worldSize = opt(o['worldSize'], d.worldSize, (v) => int(v, 'worldSize', 1));
  const rank = opt(o['rank'], d.rank, (v) => int(v, 'rank', 0, worldSize - 1));
  const masterPort = opt(o['masterPort'], d.masterPort, (v) => int(v, 'masterPort', 0, 65535));
  if (worldSize > 1 && masterPort === 0) fail('a port in [1, 65535] when worldSize > 1', 'masterPort', o['masterPort']);
  return {
    rank,
    worldSize,
    masterAddr: opt(o['masterAddr'], d.masterAddr, (v) => str(v, 'masterAddr')),
    masterPort,
    splitBatch: opt(o['splitBatch'], d.splitBatch, (v) => bool(v, 'splitBatch')),
    distributedTimeout: opt(o['distributedTimeout'], d.distributedTimeout, (v) =>
      num(v, 'distributedTimeout', Number.MIN_VALUE),
    ),
    distributedBackend: opt(o['distributedBackend'], d.distributedBackend, (v) =>
      oneOf(v, 'distributedBackend', ['auto', 'gloo', 'nccl'] as const),
    ),
  };
}

function deviceName(value: unknown, field: string): string {
  const s = str(value, field);
  if (!/^(cpu|cuda(:\d+)?|npu(:\d+)?)$/.test(s)) fail("'cpu', 'cuda', 'cuda:<i>' or 'npu:<i>'", field, value);
  return s;
}

export function resolvePredictOptions(options: PredictOptions): NativePredictOptions {
  const d = defaultPredictOptions();
  const o = object(options, 'options');
  const out: NativePredictOptions = {
    checkpoint: str(o['checkpoint'], 'checkpoint'),
    patchSize: opt(o['patchSize'], d.patchSize, (v) => axes(v, 'patchSize', 0)),
    step: opt(o['step'], d.step, (v) => num(v, 'step', Number.MIN_VALUE, 1)),
    gaussian: opt(o['gaussian'], d.gaussian, (v) => bool(v, 'gaussian')),
    mirror: opt(o['mirror'], d.mirror, (v) => bool(v, 'mirror')),
    mirrorAxes: axisFlags(o['mirrorAxes'] ?? d.mirrorAxes, 'mirrorAxes'),
    head: opt(o['head'], d.head, (v) =>
      typeof v === 'number' ? String(int(v, 'head', 1)) : oneOf(v, 'head', ['last', 'average'] as const),
    ),
    tileBatch: opt(o['tileBatch'], d.tileBatch, (v) => int(v, 'tileBatch', 1)),
    device: opt(o['device'], d.device, (v) => deviceName(v, 'device')),
    amp: opt(o['amp'], d.amp, (v) => oneOf(v, 'amp', AMP)),
    threads: threadCount(opt(o['threads'], d.threads, (v) => int(v, 'threads', 0))),
    output: opt(o['output'], d.output, (v) => oneOf(v, 'output', ['labels', 'probabilities', 'both'] as const)),
  };
  if (o['volume'] !== undefined) {
    if (!(o['volume'] instanceof Float32Array)) fail('a Float32Array', 'volume', o['volume']);
    const shape = o['shape'];
    if (!Array.isArray(shape) || shape.length !== 4) fail('[C, Z, Y, X]', 'shape', shape);
    const s = shape.map((v, i) => int(v, `shape[${i}]`, 1)) as [number, number, number, number];
    if (s.reduce((a, b) => a * b, 1) !== o['volume'].length)
      fail(`a shape whose product is volume.length (${o['volume'].length})`, 'shape', shape);
    out.volume = o['volume'];
    out.shape = s;
  } else {
    out.dataPath = str(o['dataPath'], 'dataPath (or volume + shape)');
  }
  return out;
}

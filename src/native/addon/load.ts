// Finds and loads the native addon (native/build/Release/pipe_native.node, or $PIPE_NATIVE_ADDON): the one loader,
// for training, prediction and the preprocessing kernels alike. On failure, one composed error lists what was tried
// and the possible solutions (sharp's loader style).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { packageRoot } from '../../util/package-root.js';

import type {
  CheckpointInfo,
  NativePredictDefaults,
  NativePredictOptions,
  NativeTrainMessage,
  Prediction,
  PreprocessNative,
  RuntimeInfo,
  TileProgress,
} from './native.js';
import type { NativeTrainDefaults, NativeTrainOptions } from './train-option-types.js';

/** What the addon exports (native/src/binding/*_binding.cc); index.ts validates and fills every option before a call. */
export interface NativeBinding extends PreprocessNative {
  runtimeInfo(): RuntimeInfo;
  defaultTrainOptions(): NativeTrainDefaults;
  defaultPredictOptions(): NativePredictDefaults;
  startTraining(options: NativeTrainOptions, onEvent: (message: NativeTrainMessage) => void): { abort(): void };
  /** onTiles: the first and last report always, others at most once a second; all arrive before the promise settles. */
  predictVolume(options: NativePredictOptions, onTiles?: (progress: TileProgress) => void): Promise<Prediction>;
  readCheckpointInfo(path: string): Promise<CheckpointInfo>;
}

const require = createRequire(import.meta.url);

export function addonCandidates(): string[] {
  const candidates: string[] = [];
  const fromEnv = process.env['PIPE_NATIVE_ADDON'];
  if (fromEnv) candidates.push(resolve(fromEnv));
  candidates.push(resolve(packageRoot(), 'native', 'build', 'Release', 'pipe_native.node'));
  return candidates;
}

let cached: NativeBinding | undefined;

/** Every function NativeBinding declares: an addon built from older sources lacks some and must be rebuilt. */
const EXPORTS: readonly (keyof NativeBinding)[] = [
  'runtimeInfo',
  'defaultTrainOptions',
  'defaultPredictOptions',
  'startTraining',
  'predictVolume',
  'readCheckpointInfo',
  'resampleImage',
  'resampleLabels',
  'cropToNonzero',
  'sampleForeground',
  'intensityStats',
  'normalizeCT',
  'normalizeZScore',
];

export function loadAddon(): NativeBinding {
  if (cached) return cached;
  // LibTorch's OpenMP threads spin while waiting by default; on shared or oversubscribed machines (CI, other
  // stages running) that makes 2 threads ~10x slower than 1. Passive waiting costs little when cores are free.
  // libgomp reads this when it is loaded, i.e. with the addon, so it must be set before the require below.
  process.env['OMP_WAIT_POLICY'] ??= 'PASSIVE';
  const tried: string[] = [];
  for (const path of addonCandidates()) {
    if (!existsSync(path)) {
      tried.push(`${path}: not found`);
      continue;
    }
    let addon: Record<string, unknown>;
    try {
      addon = require(path) as Record<string, unknown>;
    } catch (error) {
      tried.push(`${path}: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    const missing = EXPORTS.filter((name) => typeof addon[name] !== 'function');
    if (missing.length > 0) {
      tried.push(`${path}: built from older sources, lacks ${missing.join(', ')} (rebuild it)`);
      continue;
    }
    cached = addon as unknown as NativeBinding;
    return cached;
  }
  throw new Error(
    [
      'Could not load the pipe native runtime (pipe_native.node).',
      'Tried:',
      ...tried.map((t) => `- ${t}`),
      'Possible solutions:',
      '- Build it: npm run build:native (or bash scripts/setup.sh), which runs cmake-js against LibTorch.',
      '- Point the build at a LibTorch: LIBTORCH_DIR=/path/to/libtorch npm run build:native.',
      '- CPU-only machines: apt-get install libtorch-dev libgloo-dev, then rebuild.',
      '- Use a prebuilt addon: PIPE_NATIVE_ADDON=/path/to/pipe_native.node.',
    ].join('\n'),
  );
}

/** true when the addon can be loaded (tests gate on this). */
export function addonAvailable(): boolean {
  try {
    loadAddon();
    return true;
  } catch {
    return false;
  }
}

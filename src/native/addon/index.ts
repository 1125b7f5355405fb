// The typed, validated face of the native runtime. Everything outside src/native/addon/ uses these functions; nothing
// calls the binding directly. Options are validated and filled here (options.ts), then passed as one plain object.
import { loadAddon } from './load.js';
import type { CheckpointInfo, Prediction, RuntimeInfo, TileProgress, TrainProgress, TrainResult } from './native.js';
import { resolvePredictOptions, resolveTrainOptions } from './options.js';
import type { PredictOptions } from './options.js';
import type { TrainOptions } from './train-option-types.js';
import { NativeError, toNativeError } from './errors.js';

export type {
  Axes3,
  AmpSetting,
  ChannelsLastSetting,
  BBox3,
  CheckpointInfo,
  CropOutput,
  IntensityStats,
  NativeCase,
  NativePredictDefaults,
  NetworkArchitecture,
  NetworkPlan,
  Prediction,
  PreprocessNative,
  RuntimeInfo,
  Shape3,
  TileProgress,
  TrainProgress,
  TrainResult,
} from './native.js';
export type { PredictOptions } from './options.js';
export type { AugmentationOptions, NativeTrainDefaults, TrainOptions } from './train-option-types.js';
export {
  defaultPredictOptions,
  defaultTrainOptions,
  resolvePredictOptions,
  NETWORK_ARCHITECTURES,
  resolveTrainOptions,
  validateNetwork,
} from './options.js';
export { loadPreprocessNative } from './preprocess.js';
export { checkPatchSize, networkFromPlans, patchDivisor, trainingFromPlans } from './plans.js';
export type { PlanTraining } from './plans.js';
export { casesFromPreprocessed } from './cases.js';
export { NativeError } from './errors.js';
export type { NativeErrorCode } from './errors.js';
export { OptionError } from './validate.js';
export { addonAvailable } from './load.js';

export interface TrainHooks {
  /** Aborting stops training after writing checkpoint_latest.pt; the promise then resolves with aborted: true. */
  signal?: AbortSignal;
  /** Called on the main thread for every progress event; a throwing handler is reported once and ignored. */
  onProgress?: (event: TrainProgress) => void;
}

export function runtimeInfo(): RuntimeInfo {
  return loadAddon().runtimeInfo();
}

/**
 * Trains the network options.network names (UNet++ by default, or nnU-Net's Generic_UNet) on its own native thread. Resolves with the result (also when aborted through `signal`),
 * rejects with OptionError (bad options) or NativeError (runtime failure, with code and hint).
 */
export function trainModel(options: TrainOptions, hooks: TrainHooks = {}): Promise<TrainResult> {
  const callSite = new Error();
  const resolved = resolveTrainOptions(options);
  const addon = loadAddon();
  if (hooks.signal?.aborted) return Promise.reject(hooks.signal.reason ?? new Error('aborted before start'));
  return new Promise<TrainResult>((resolve, reject) => {
    let handlerFailed = false;
    let onAbort: (() => void) | undefined;
    const finish = () => {
      if (onAbort) hooks.signal?.removeEventListener('abort', onAbort);
    };
    try {
      const handle = addon.startTraining(resolved, (message) => {
        switch (message.type) {
          case 'progress':
            if (!hooks.onProgress || handlerFailed) return;
            try {
              hooks.onProgress(message.event);
            } catch (error) {
              handlerFailed = true;
              process.emitWarning(`trainModel onProgress handler threw; further events are dropped: ${String(error)}`);
            }
            return;
          case 'done':
            finish();
            resolve(message.result);
            return;
          case 'error':
            finish();
            reject(new NativeError(message.code, message.message, callSite));
            return;
        }
      });
      onAbort = () => handle.abort();
      hooks.signal?.addEventListener('abort', onAbort, { once: true });
    } catch (error) {
      reject(toNativeError(error, callSite));
    }
  });
}

export interface PredictHooks {
  /**
   * Tiles predicted so far, on the main thread: {done: 0, total} first, {done: total, total} last, at most one
   * report a second in between. A throwing handler is reported once and ignored.
   */
  onTiles?: (progress: TileProgress) => void;
}

/** Sliding-window prediction of one (C, Z, Y, X) volume (or a preprocessed .data.npy) with a checkpoint. */
export async function predictVolume(options: PredictOptions, hooks: PredictHooks = {}): Promise<Prediction> {
  const callSite = new Error();
  const resolved = resolvePredictOptions(options);
  const { onTiles } = hooks;
  let handlerFailed = false;
  const forward = onTiles === undefined ? undefined : (p: TileProgress): void => {
    if (handlerFailed) return;
    try {
      onTiles(p);
    } catch (error) {
      handlerFailed = true;
      process.emitWarning(`predictVolume onTiles handler threw; further reports are dropped: ${String(error)}`);
    }
  };
  try {
    return await loadAddon().predictVolume(resolved, forward);
  } catch (error) {
    throw toNativeError(error, callSite);
  }
}

/** Reads a checkpoint's plan, epoch, history and metadata without loading the weights onto a device. */
export async function readCheckpointInfo(path: string): Promise<CheckpointInfo> {
  const callSite = new Error();
  if (typeof path !== 'string' || path.length === 0)
    throw new TypeError(`Expected a non-empty string for path but received ${String(path)}`);
  try {
    return await loadAddon().readCheckpointInfo(path);
  } catch (error) {
    throw toNativeError(error, callSite);
  }
}

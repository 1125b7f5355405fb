/**
 * The one mapping from a train stage's `with:` (and the setup made from it and the plan) to the native runtime's
 * TrainOptions: the fold's run and the perf modes (perf.ts) both start from it, so a train option reaches the
 * runtime the same way in every mode. Native options `with:` does not name take the runtime's defaults.
 */
import type { AugmentationOptions, TrainOptions } from '../../native/addon/index.js';
import type { TrainSetup } from './setup.js';
import type { TrainWith } from './with.js';

/** Where this call of the trainer writes its checkpoints, and the checkpoint it continues from. */
export interface TrainCall {
  readonly outDir: string;
  readonly resumeFrom?: string;
}

/** The native augmentation options a train `with:` asks for. */
export function augmentationOf(w: TrainWith): AugmentationOptions {
  if (w.augmentation === 'off') return { enabled: false };
  return { enabled: true, pipeline: w.augmentation, ...(w.loader_threads != null ? { loaderThreads: w.loader_threads } : {}) };
}

/** The options of the fold's training run as `with:` and the setup give them. */
export function trainOptionsFor(w: TrainWith, s: TrainSetup, call: TrainCall): TrainOptions {
  return {
    network: s.network,
    trainCases: s.trainCases,
    valCases: s.valCases,
    outDir: call.outDir,
    patchSize: s.patchSize,
    batchSize: s.batchSize,
    epochs: w.epochs,
    iterationsPerEpoch: w.iterations_per_epoch,
    // No validation cases (a fold with an empty val split): no online validation at all.
    valIterations: s.valCases.length > 0 ? w.val_iterations : 0,
    initialLr: w.initial_lr,
    oversampleForeground: w.oversample_foreground,
    augmentation: augmentationOf(w),
    device: s.placement.device,
    amp: w.amp,
    channelsLast: w.channels_last,
    threads: s.placement.threads,
    // Each fold draws its own samples and initialisation from the one `seed` of the pipeline.
    seed: w.seed + w.fold,
    checkpointEvery: w.checkpoint_every,
    progressEvery: 1,
    ...(call.resumeFrom !== undefined ? { resumeFrom: call.resumeFrom } : {}),
  };
}

/**
 * What a finished fold leaves in ctx.out: history.json and progress.svg first, then train.json (what was trained,
 * how fast, how it departs from the reference recipe, its attempts) and training_log.txt, and the model files last,
 * copied out of the workspace: model_final.pt (the model), model_best.pt and model_latest.pt when written.
 */
import { existsSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TrainResult } from '../../native/addon/index.js';
import type { PhaseRun } from '../../stage-api/types.js';
import { writeFileAtomic } from '../../util/fs.js';
import { historyFile, writeHistory, type RunningHistory } from './history.js';
import { writeProgressPlot } from './progress-plot.js';
import { recipeDepartures } from './recipe.js';
import type { TrainSetup } from './setup.js';
import { foldAttempts, type TrainRecord } from './train-record.js';
import { TRAINING_LOG, type TrainingLog } from './training-log.js';
import type { TrainWith } from './with.js';

export const MODEL_FILE = 'model_final.pt';

/** How the attempt ended: the trainer's result and what the attempt adds to the history. */
export interface TrainingOutcome {
  readonly result: TrainResult;
  readonly runDir: string;
  readonly history: RunningHistory;
  /** This attempt's training seconds and samples (earlier attempts are in `history`). */
  readonly seconds: number;
  readonly samples: number;
  /** The epoch this attempt started at (> 0: resumed). */
  readonly startEpoch: number;
}

export async function writeTrainingOutputs(ctx: PhaseRun, w: TrainWith, s: TrainSetup, log: TrainingLog, o: TrainingOutcome): Promise<void> {
  const { result, runDir, startEpoch } = o;
  const final = result.finalCheckpoint ?? join(runDir, 'checkpoint_final.pt');
  const file = historyFile(o.history, o.seconds, o.samples);
  if (result.augmentation === 'full') {
    log.write(`augmentation: the reference's full chain on a [${result.sourcePatchSize.join(', ')}] source patch, ` +
      `${result.loaderThreads} loader thread(s)`);
  }
  log.write(`training done: ${result.epochsCompleted} epochs, ${file.samplesPerSecond.toFixed(2)} samples/s over ` +
    `${file.wallSeconds.toFixed(0)} s of training (all attempts)`);

  writeHistory(ctx.out, file);
  await writeProgressPlot(join(ctx.out, 'progress.svg'), file, { title: `${ctx.stage} training progress` });
  writeFileAtomic(join(ctx.out, 'train.json'), `${JSON.stringify({
    fold: w.fold,
    configuration: w.configuration,
    preprocessed: s.fold.dir,
    network: s.network,
    patchSize: s.patchSize,
    batchSize: s.batchSize,
    epochs: w.epochs,
    iterationsPerEpoch: w.iterations_per_epoch,
    augmentation: w.augmentation,
    device: s.placement.device,
    threads: s.placement.threads,
    devices: s.placement.devices,
    train: s.fold.train,
    val: s.fold.val,
    resumedAtEpoch: startEpoch > 0 ? startEpoch : null,
    samplesPerSecond: file.samplesPerSecond,
    wallSeconds: file.wallSeconds,
    departures: recipeDepartures({
      epochs: w.epochs, iterationsPerEpoch: w.iterations_per_epoch, patchSize: s.patchSize, batchSize: s.batchSize,
      baseFeatures: s.network.baseFeatures, maxFeatures: s.network.maxFeatures, augmentation: w.augmentation,
      initialLr: w.initial_lr, oversampleForeground: w.oversample_foreground, network: w.network,
    }, s.planned),
    // This attempt's wall time: since its process started (performance's time origin).
    attempts: foldAttempts(ctx.earlierAttempts, performance.now() / 1000),
  } satisfies TrainRecord & Record<string, unknown>, null, 2)}\n`);
  await copyFile(log.path, join(ctx.out, TRAINING_LOG));
  for (const [from, to] of [['checkpoint_best.pt', 'model_best.pt'], ['checkpoint_latest.pt', 'model_latest.pt']] as const) {
    if (existsSync(join(runDir, from))) await copyFile(join(runDir, from), join(ctx.out, to));
  }
  await copyFile(final, join(ctx.out, MODEL_FILE));
  const last = o.history.epochs[o.history.epochs.length - 1];
  ctx.report.metrics({
    epochs: result.epochsCompleted,
    samplesPerSecond: Number(file.samplesPerSecond.toFixed(3)),
    trainingSeconds: Number(file.wallSeconds.toFixed(1)),
    ...(last !== undefined && Number.isFinite(last.pseudoDice) ? { pseudoDice: Number(last.pseudoDice.toFixed(4)) } : {}),
    ...(startEpoch > 0 ? { resumedAtEpoch: startEpoch } : {}),
  });
}

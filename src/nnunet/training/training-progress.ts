/**
 * A fold's progress while it trains: each native progress event becomes the journal's progress (this batch's
 * loss, the last epoch's pseudo Dice, samples/s, the time left), and each epoch a history record, history.json and
 * progress.svg in the workspace and a line of the training log, so that an interrupted attempt leaves them behind.
 */
import { join } from 'node:path';
import type { TrainProgress } from '../../native/addon/index.js';
import type { PhaseRun } from '../../stage-api/types.js';
import { TrainingEta } from './eta.js';
import type { EpochRecord } from './history-format.js';
import { historyFile, writeHistory, type RunningHistory } from './history.js';
import { writeProgressPlot } from './progress-plot.js';
import type { TrainSetup } from './setup.js';
import type { TrainingLog } from './training-log.js';
import type { TrainWith } from './with.js';

/** A number as the log writes it: `d` decimals, nan when missing or not finite. */
const fmt = (v: number | undefined, d = 4): string => (v === undefined || !Number.isFinite(v) ? 'nan' : v.toFixed(d));

export interface ProgressTracker {
  readonly onProgress: (ev: TrainProgress) => void;
  /** Samples this attempt has trained, counted at epoch ends. */
  samples(): number;
  /** Seconds since this attempt's training started. */
  seconds(): number;
}

/** Tracks the attempt from now on; epochs are appended to `history` (which holds the earlier attempts' epochs). */
export function trackProgress(ctx: PhaseRun, w: TrainWith, s: TrainSetup, log: TrainingLog, history: RunningHistory): ProgressTracker {
  const t0 = performance.now();
  let samples = 0;
  let epochStarted = performance.now();
  const lastRecorded = history.epochs[history.epochs.length - 1]?.pseudoDice;
  let lastDice: number | undefined = lastRecorded !== undefined && Number.isFinite(lastRecorded) ? Number(lastRecorded.toFixed(3)) : undefined;
  const eta = new TrainingEta({ epochs: w.epochs, iterationsPerEpoch: w.iterations_per_epoch, valIterations: s.valCases.length > 0 ? w.val_iterations : 0 });
  const remaining = (epoch: number, iteration: number): { remainingSeconds?: number } => {
    const seconds = eta.remainingSeconds(epoch, iteration);
    return seconds !== undefined ? { remainingSeconds: Number(seconds.toFixed(1)) } : {};
  };

  const onIteration = (ev: TrainProgress): void => {
    eta.iteration(ev.iteration);
    ctx.report.progress({
      done: ev.epoch,
      total: ev.epochs,
      unit: 'epoch',
      // loss of this batch; dice of the last finished epoch (the online pseudo Dice)
      values: { loss: Number(fmt(ev.loss)), ...(lastDice !== undefined ? { dice: lastDice } : {}), samplesPerSecond: Number(ev.samplesPerSecond.toFixed(2)) },
      message: `iteration ${ev.iteration}/${ev.iterations}`,
      ...remaining(ev.epoch, ev.iteration),
    });
  };

  const onEpoch = (ev: TrainProgress): void => {
    eta.epochEnd();
    const now = performance.now();
    const record: EpochRecord = {
      epoch: ev.epoch,
      trainLoss: ev.loss,
      valLoss: ev.valLoss ?? NaN,
      pseudoDice: ev.pseudoDice ?? NaN,
      lr: ev.lr,
      seconds: (now - epochStarted) / 1000,
    };
    epochStarted = now;
    if (record.pseudoDice !== undefined && Number.isFinite(record.pseudoDice)) lastDice = Number(record.pseudoDice.toFixed(3));
    samples += w.iterations_per_epoch * s.batchSize;
    history.epochs.push(record);
    const file = historyFile(history, (now - t0) / 1000, samples);
    writeHistory(ctx.work, file);
    void writeProgressPlot(join(ctx.work, 'progress.svg'), file, { title: `${ctx.stage} training progress` }).catch(() => {});
    log.write(`epoch: ${ev.epoch}  train loss: ${fmt(ev.loss)}  validation loss: ${fmt(ev.valLoss)}  ` +
      `pseudo Dice: ${fmt(ev.pseudoDice)} (EMA ${fmt(ev.pseudoDiceEma)})${ev.best ? ' new best' : ''}  lr: ${ev.lr.toFixed(6)}  ` +
      `${record.seconds.toFixed(1)} s`, false);
    ctx.report.progress({
      done: ev.epoch + 1,
      total: ev.epochs,
      unit: 'epoch',
      values: { loss: Number(fmt(ev.loss)), dice: Number(fmt(ev.pseudoDice, 3)), samplesPerSecond: Number(ev.samplesPerSecond.toFixed(2)) },
      ...remaining(ev.epoch + 1, 0),
    });
  };

  return {
    onProgress: (ev) => {
      if (ev.kind === 'iteration') onIteration(ev);
      else if (ev.kind === 'checkpoint') log.write(`saved ${ev.checkpoint ?? 'checkpoint'} (epoch ${ev.epoch})`, false);
      else onEpoch(ev);
    },
    samples: () => samples,
    seconds: () => (performance.now() - t0) / 1000,
  };
}

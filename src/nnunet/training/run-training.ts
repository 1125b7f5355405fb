/**
 * One fold's training run (mode: train): native trainer on its own thread, progress into the
 * journal, history.json + progress.svg rewritten after every epoch, the log appended, and the
 * running checkpoint kept in the workspace so that an interrupted attempt resumes from it.
 *
 * Workspace (ctx.work): run/checkpoint_{latest,best,final}.pt, history.json, training_log.txt.
 * Output (ctx.out): model_final.pt (the model), model_best.pt and model_latest.pt when written,
 * history.json, progress.svg, training_log.txt, train.json (what was trained, how fast).
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { trainModel, type TrainOptions } from '../../native/addon/index.js';
import { chooseResumeCheckpoint } from './resume-checkpoint.js';
import { runDistributedTraining } from '../../native/distributed/index.js';
import type { TrainProgress, TrainResult } from '../../native/addon/index.js';
import { writeProgressPlot } from './progress-plot.js';
import type { EpochRecord } from './history-format.js';
import type { DeviceGrant, PhaseRun } from '../../stage-api/types.js';
import { writeFileAtomic } from '../../util/fs.js';
import { historyFile, readRunningHistory, writeHistory, type RunningHistory } from './history.js';
import type { TrainSetup } from './setup.js';
import { TRAINING_LOG, TrainingLog } from './training-log.js';
import { TrainingEta } from './eta.js';
import { augmentationOf, type TrainWith } from './with.js';
import { recipeDepartures } from './recipe.js';
import { foldAttempts, type TrainRecord } from './train-record.js';

export const MODEL_FILE = 'model_final.pt';

const fmt = (v: number | undefined, d = 4) => (v === undefined || !Number.isFinite(v) ? 'nan' : v.toFixed(d));

export async function runTraining(ctx: PhaseRun & DeviceGrant, w: TrainWith, s: TrainSetup): Promise<void> {
  const runDir = join(ctx.work, 'run');
  await mkdir(runDir, { recursive: true });
  const log = new TrainingLog(ctx.work, (m) => ctx.report.log(m));
  log.write(`Starting... ${ctx.stage} (attempt workspace ${ctx.work})`, false);
  const worldSize = Math.max(1, s.devices.length);
  if (worldSize > 1) {
    log.write(`devices: ${worldSize} (${s.devices.join(',')}): ${worldSize} ranks through c10d ` +
      `(${s.device.startsWith('cuda') ? 'NCCL' : 'Gloo'}), global batch ${s.batchSize} split across them, rendezvous port ${ctx.masterPort ?? '(free port)'}`);
  }
  // Final before latest before the one the latest replaced, each checked; a damaged one is set aside and said.
  const choice = await chooseResumeCheckpoint(runDir);
  for (const note of choice.notes) log.write(note);
  if (choice.setAside.length > 0) ctx.report.metrics({ checkpointsDamaged: choice.setAside.join(', '), resumedFrom: choice.from?.name ?? 'epoch 0' });
  const resumeFrom = choice.from?.path;
  let startEpoch = 0;
  let history: RunningHistory | undefined = await readRunningHistory(ctx.work).catch(() => undefined);
  if (choice.from !== undefined) {
    const info = choice.from.info;
    startEpoch = info.epoch;
    log.write(`resuming from ${info.kind} checkpoint ${resumeFrom}: epoch ${info.epoch} of ${info.epochs} done, ` +
      `continuing at epoch ${info.epoch}${info.iteration > 0 ? ` iteration ${info.iteration}` : ''}`);
  } else {
    if (ctx.resume) log.write('resume requested but the workspace holds no checkpoint: starting at epoch 0');
    history = undefined;
  }
  const h: RunningHistory = history ?? { epochs: [], earlierSeconds: 0, earlierSamples: 0, device: s.device, worldSize };
  h.epochs = h.epochs.filter((e) => e.epoch < startEpoch); // epochs after the checkpoint are trained again
  h.device = s.device;
  log.write(`fold ${w.fold}: ${s.trainCases.length} training / ${s.valCases.length} validation cases; network ` +
    `${s.network.poolKernels.length} poolings, features ${s.network.baseFeatures}..${s.network.maxFeatures}, ` +
    `${s.network.numClasses} classes; patch [${s.patchSize.join(', ')}], batch ${s.batchSize}; ` +
    `${w.epochs} epochs x ${w.iterations_per_epoch} iterations; device ${s.device}, ${s.threads} threads; ` +
    `augmentation ${w.augmentation}`, startEpoch === 0);

  const t0 = performance.now();
  let samples = 0;
  let epochStarted = performance.now();
  let lastEpochSamples = 0;
  const lastRecorded = h.epochs[h.epochs.length - 1]?.pseudoDice;
  let lastDice: number | undefined = lastRecorded !== undefined && Number.isFinite(lastRecorded) ? Number(lastRecorded.toFixed(3)) : undefined;
  const eta = new TrainingEta({ epochs: w.epochs, iterationsPerEpoch: w.iterations_per_epoch, valIterations: s.valCases.length > 0 ? w.val_iterations : 0 });
  const remaining = (epoch: number, iteration: number): { remainingSeconds?: number } => {
    const seconds = eta.remainingSeconds(epoch, iteration);
    return seconds !== undefined ? { remainingSeconds: Number(seconds.toFixed(1)) } : {};
  };
  const onProgress = (ev: TrainProgress): void => {
    if (ev.kind === 'iteration') {
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
      return;
    }
    if (ev.kind === 'checkpoint') {
      log.write(`saved ${ev.checkpoint ?? 'checkpoint'} (epoch ${ev.epoch})`, false);
      return;
    }
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
    samples = lastEpochSamples + w.iterations_per_epoch * s.batchSize;
    lastEpochSamples = samples;
    h.epochs.push(record);
    const file = historyFile(h, (now - t0) / 1000, samples);
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

  let result: TrainResult;
  if (resumeFrom?.endsWith('checkpoint_final.pt')) {
    log.write('the workspace holds the final checkpoint: training had finished, writing the outputs');
    result = { epochsCompleted: startEpoch, aborted: false, finalCheckpoint: resumeFrom } as TrainResult;
  } else {
    const options: TrainOptions = {
      network: s.network,
      trainCases: s.trainCases,
      valCases: s.valCases,
      outDir: runDir,
      patchSize: s.patchSize,
      batchSize: s.batchSize,
      epochs: w.epochs,
      iterationsPerEpoch: w.iterations_per_epoch,
      valIterations: s.valCases.length > 0 ? w.val_iterations : 0,
      initialLr: w.initial_lr,
      oversampleForeground: w.oversample_foreground,
      augmentation: augmentationOf(w),
      device: s.device,
      amp: w.amp,
      channelsLast: w.channels_last,
      threads: s.threads,
      seed: w.seed + w.fold,
      checkpointEvery: w.checkpoint_every,
      progressEvery: 1,
      ...(resumeFrom !== undefined ? { resumeFrom } : {}),
    };
    h.worldSize = worldSize;
    result = worldSize > 1
      ? await runDistributedTraining(
        { ...options, threads: Math.max(1, Math.floor(s.threads / worldSize)) },
        {
          worldSize,
          devices: s.devices,
          ...(ctx.masterPort !== undefined ? { masterPort: ctx.masterPort } : {}),
          signal: ctx.signal,
          onProgress,
          onLog: (line) => log.write(line, false),
        },
      )
      : await trainModel(options, { signal: ctx.signal, onProgress });
  }
  if (result.aborted) {
    log.write(`interrupted at epoch ${result.epochsCompleted}: ${join(runDir, 'checkpoint_latest.pt')} holds the state; ` +
      'the next attempt (pipe resume) continues from it');
    throw new Error(`training interrupted at epoch ${result.epochsCompleted} (checkpoint kept for resume)`);
  }
  const final = result.finalCheckpoint ?? join(runDir, 'checkpoint_final.pt');
  const seconds = (performance.now() - t0) / 1000;
  const file = historyFile(h, seconds, samples);
  if (result.augmentation === 'full') {
    log.write(`augmentation: the reference's full chain on a [${result.sourcePatchSize.join(', ')}] source patch, ` +
      `${result.loaderThreads} loader thread(s)`);
  }
  log.write(`training done: ${result.epochsCompleted} epochs, ${file.samplesPerSecond.toFixed(2)} samples/s over ` +
    `${file.wallSeconds.toFixed(0)} s of training (all attempts)`);

  // Outputs: history and plot first, the model files last (moved out of the workspace).
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
    device: s.device,
    threads: s.threads,
    devices: s.devices,
    train: s.fold.train,
    val: s.fold.val,
    resumedAtEpoch: startEpoch > 0 ? startEpoch : null,
    samplesPerSecond: file.samplesPerSecond,
    wallSeconds: file.wallSeconds,
    departures: recipeDepartures({
      epochs: w.epochs, iterationsPerEpoch: w.iterations_per_epoch, patchSize: s.patchSize, batchSize: s.batchSize,
      baseFeatures: s.network.baseFeatures, maxFeatures: s.network.maxFeatures, augmentation: w.augmentation,
      initialLr: w.initial_lr, oversampleForeground: w.oversample_foreground,
    }, s.planned),
    // This attempt's wall time: since its process started (performance's time origin).
    attempts: foldAttempts(ctx.earlierAttempts, performance.now() / 1000),
  } satisfies TrainRecord & Record<string, unknown>, null, 2)}\n`);
  await copyFile(log.path, join(ctx.out, TRAINING_LOG));
  for (const [from, to] of [['checkpoint_best.pt', 'model_best.pt'], ['checkpoint_latest.pt', 'model_latest.pt']] as const) {
    if (existsSync(join(runDir, from))) await copyFile(join(runDir, from), join(ctx.out, to));
  }
  await copyFile(final, join(ctx.out, MODEL_FILE));
  const last = h.epochs[h.epochs.length - 1];
  ctx.report.metrics({
    epochs: result.epochsCompleted,
    samplesPerSecond: Number(file.samplesPerSecond.toFixed(3)),
    trainingSeconds: Number(file.wallSeconds.toFixed(1)),
    ...(last !== undefined && Number.isFinite(last.pseudoDice) ? { pseudoDice: Number(last.pseudoDice.toFixed(4)) } : {}),
    ...(startEpoch > 0 ? { resumedAtEpoch: startEpoch } : {}),
  });
}

/**
 * One fold's training run (mode: train): where it starts (a fresh run or the workspace's checkpoint), the native
 * trainer on its own thread (or one process per rank on several devices), progress into the journal and the
 * workspace (training-progress.ts), and the outputs once it has finished (training-outputs.ts).
 *
 * Workspace (ctx.work): run/checkpoint_{latest,best,final}.pt, history.json, progress.svg, training_log.txt; an
 * interrupted attempt leaves them, and the next one resumes from the checkpoint.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { trainModel, type TrainResult } from '../../native/addon/index.js';
import { threadsPerRank } from '../../native/device.js';
import { runDistributedTraining } from '../../native/distributed/index.js';
import type { DeviceGrant, PhaseRun } from '../../stage-api/types.js';
import { readRunningHistory, type RunningHistory } from './history.js';
import type { TrainSetup } from './setup.js';
import { chooseResumeCheckpoint } from './resume-checkpoint.js';
import { trainOptionsFor } from './train-options.js';
import { TrainingLog } from './training-log.js';
import { writeTrainingOutputs } from './training-outputs.js';
import { trackProgress, type ProgressTracker } from './training-progress.js';
import type { TrainWith } from './with.js';

/** Where an attempt starts: the checkpoint it continues from (none: epoch 0) and the history up to it. */
interface StartPoint {
  readonly resumeFrom?: string;
  readonly startEpoch: number;
  readonly history: RunningHistory;
}

async function startPoint(ctx: PhaseRun, s: TrainSetup, runDir: string, log: TrainingLog): Promise<StartPoint> {
  const { device, worldSize } = s.placement;
  // Final before latest before the one the latest replaced, each checked; a damaged one is set aside and said.
  const choice = await chooseResumeCheckpoint(runDir);
  for (const note of choice.notes) log.write(note);
  if (choice.setAside.length > 0) ctx.report.metrics({ checkpointsDamaged: choice.setAside.join(', '), resumedFrom: choice.from?.name ?? 'epoch 0' });
  const resumeFrom = choice.from?.path;
  let startEpoch = 0;
  let history = await readRunningHistory(ctx.work).catch(() => undefined);
  if (choice.from !== undefined) {
    const info = choice.from.info;
    startEpoch = info.epoch;
    log.write(`resuming from ${info.kind} checkpoint ${resumeFrom}: epoch ${info.epoch} of ${info.epochs} done, ` +
      `continuing at epoch ${info.epoch}${info.iteration > 0 ? ` iteration ${info.iteration}` : ''}`);
  } else {
    if (ctx.resume) log.write('resume requested but the workspace holds no checkpoint: starting at epoch 0');
    history = undefined;
  }
  const h: RunningHistory = history ?? { epochs: [], earlierSeconds: 0, earlierSamples: 0, device, worldSize };
  h.epochs = h.epochs.filter((e) => e.epoch < startEpoch); // epochs after the checkpoint are trained again
  h.device = device;
  return { ...(resumeFrom !== undefined ? { resumeFrom } : {}), startEpoch, history: h };
}

/** Runs the trainer from `start` (on one process, or one per rank), unless the final checkpoint is already there. */
async function train(ctx: PhaseRun & DeviceGrant, w: TrainWith, s: TrainSetup, runDir: string, start: StartPoint,
  progress: ProgressTracker, log: TrainingLog): Promise<TrainResult> {
  if (start.resumeFrom?.endsWith('checkpoint_final.pt')) {
    log.write('the workspace holds the final checkpoint: training had finished, writing the outputs');
    return { epochsCompleted: start.startEpoch, aborted: false, finalCheckpoint: start.resumeFrom } as TrainResult;
  }
  const options = trainOptionsFor(w, s, { outDir: runDir, ...(start.resumeFrom !== undefined ? { resumeFrom: start.resumeFrom } : {}) });
  const { worldSize, devices, threads } = s.placement;
  start.history.worldSize = worldSize; // the ranks that train now (a resumed run may have had others)
  if (worldSize === 1) return trainModel(options, { signal: ctx.signal, onProgress: progress.onProgress });
  return runDistributedTraining({ ...options, threads: threadsPerRank(threads, worldSize) }, {
    worldSize,
    devices,
    ...(ctx.masterPort !== undefined ? { masterPort: ctx.masterPort } : {}),
    signal: ctx.signal,
    onProgress: progress.onProgress,
    onLog: (line) => log.write(line, false),
  });
}

export async function runTraining(ctx: PhaseRun & DeviceGrant, w: TrainWith, s: TrainSetup): Promise<void> {
  const runDir = join(ctx.work, 'run');
  await mkdir(runDir, { recursive: true });
  const log = new TrainingLog(ctx.work, (m) => ctx.report.log(m));
  log.write(`Starting... ${ctx.stage} (attempt workspace ${ctx.work})`, false);
  const { device, threads, devices, worldSize } = s.placement;
  if (worldSize > 1) {
    log.write(`devices: ${worldSize} (${devices.join(',')}): ${worldSize} ranks through c10d ` +
      `(${device.startsWith('cuda') ? 'NCCL' : 'Gloo'}), global batch ${s.batchSize} split across them, rendezvous port ${ctx.masterPort ?? '(free port)'}`);
  }
  const start = await startPoint(ctx, s, runDir, log);
  log.write(`fold ${w.fold}: ${s.trainCases.length} training / ${s.valCases.length} validation cases; network ` +
    `${s.network.architecture ?? 'unetpp'}, ${s.network.poolKernels.length} poolings, features ${s.network.baseFeatures}..${s.network.maxFeatures}, ` +
    `${s.network.numClasses} classes; patch [${s.patchSize.join(', ')}], batch ${s.batchSize}; ` +
    `${w.epochs} epochs x ${w.iterations_per_epoch} iterations; device ${device}, ${threads} threads; ` +
    `augmentation ${w.augmentation}`, start.startEpoch === 0);

  const progress = trackProgress(ctx, w, s, log, start.history);
  const result = await train(ctx, w, s, runDir, start, progress, log);
  if (result.aborted) {
    log.write(`interrupted at epoch ${result.epochsCompleted}: ${join(runDir, 'checkpoint_latest.pt')} holds the state; ` +
      'the next attempt (pipe resume) continues from it');
    throw new Error(`training interrupted at epoch ${result.epochsCompleted} (checkpoint kept for resume)`);
  }
  await writeTrainingOutputs(ctx, w, s, log, {
    result, runDir, history: start.history, seconds: progress.seconds(), samples: progress.samples(), startEpoch: start.startEpoch,
  });
}

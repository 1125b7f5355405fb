/**
 * Ensemble prediction of new images (recipe 10.6): each image is preprocessed like the training
 * data, predicted with every trained fold (sliding window), the softmax probabilities are averaged
 * over the folds, and the result is exported like validation (uint8 NIfTI in the source grid).
 * Finished cases are kept in the workspace, so an interrupted run resumes at the next image. While an image is
 * predicted, its tiles over all folds are reported (`case 1/4 tiles 90/240`) with an ETA over every image still to
 * predict (their tiles counted from the NIfTI headers before they are read; an image's exact count replaces that
 * upper bound once it is preprocessed).
 */
import { existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { predictVolume, readCheckpointInfo } from '../../native/addon/index.js';
import type { Plans, StagePlan } from '../plans/types.js';
import type { DeviceGrant, PhaseRun } from '../../stage-api/types.js';
import { placementFor } from '../../native/device.js';
import { writeFileAtomic } from '../../util/fs.js';
import { probabilitiesToLabels, writeLabelNifti } from './export.js';
import type { InferenceWith } from './with.js';
import type { ImageCase } from './image-list.js';
import { preprocessedShapeBound, preprocessImage } from './preprocess-image.js';
import { caseTileProgress, TileEta, tileCount } from './tile-progress.js';

export interface PredictionInputs {
  readonly plans: Plans;
  readonly stage: StagePlan;
  /** One checkpoint per fold. */
  readonly checkpoints: readonly string[];
  readonly images: readonly ImageCase[];
}

export async function runPrediction(ctx: PhaseRun & DeviceGrant, w: InferenceWith, inputs: PredictionInputs): Promise<void> {
  const { device, threads } = placementFor(ctx, w.threads);
  const workPred = join(ctx.work, 'predictions');
  await mkdir(workPred, { recursive: true });
  ctx.report.log(`predicting ${inputs.images.length} images with an ensemble of ${inputs.checkpoints.length} folds (${device}, ${threads} threads)`);
  const predicted = (c: ImageCase): string => join(workPred, `${c.id}.nii.gz`);
  // Tiles of one image over the folds (each fold's checkpoint has its patch), and of every image still to predict.
  const patches = await Promise.all(inputs.checkpoints.map(async (checkpoint) => (await readCheckpointInfo(checkpoint)).patchSize));
  const tilesPerFold = (shape: readonly number[]): number[] => patches.map((patch) => tileCount(shape, patch, w.step));
  const sumOf = (n: readonly number[]): number => n.reduce((a, b) => a + b, 0);
  const remaining = inputs.images.filter((c) => !existsSync(predicted(c)));
  const eta = new TileEta(await Promise.all(remaining.map(async (c) => sumOf(tilesPerFold(await preprocessedShapeBound(c.files, inputs.plans, inputs.stage))))));
  for (let i = 0; i < inputs.images.length; i++) {
    if (ctx.signal.aborted) throw new Error(`prediction interrupted after ${i} of ${inputs.images.length} images`);
    const c = inputs.images[i] as ImageCase;
    const file = predicted(c);
    if (!remaining.includes(c)) continue;
    const t0 = performance.now();
    eta.startCase(remaining.indexOf(c));
    const img = await preprocessImage(c.id, c.files, inputs.plans, inputs.stage, threads);
    const folds = tilesPerFold(img.shape.slice(1));
    const total = sumOf(folds);
    const at = { index: i, count: inputs.images.length, id: c.id };
    let sum: Float32Array | undefined;
    let shape: [number, number, number, number] | undefined;
    for (const [f, checkpoint] of inputs.checkpoints.entries()) {
      const before = sumOf(folds.slice(0, f));
      const p = await predictVolume({ checkpoint, volume: img.data, shape: img.shape, step: w.step, mirror: w.mirroring,
        head: w.head, tileBatch: w.tile_batch, device, threads, output: 'probabilities' }, {
        onTiles: (tiles) => {
          eta.tiles(before + tiles.done, total);
          ctx.report.progress(caseTileProgress(eta, at, { done: before + tiles.done, total }));
        },
      });
      if (p.probabilities === undefined) throw new Error(`case ${c.id}: the runtime returned no probabilities`);
      if (sum === undefined) {
        sum = p.probabilities;
        shape = p.shape;
      } else {
        for (let k = 0; k < sum.length; k++) sum[k] = (sum[k] as number) + (p.probabilities[k] as number);
      }
    }
    if (sum === undefined || shape === undefined) throw new Error('no checkpoints to predict with');
    const n = inputs.checkpoints.length;
    for (let k = 0; k < sum.length; k++) sum[k] = (sum[k] as number) / n;
    const labels = await probabilitiesToLabels(sum, shape, img.geometry, threads, inputs.plans.anisotropyThreshold);
    await writeLabelNifti(file, labels, img.geometry);
    eta.finishCase();
    ctx.report.progress({ ...caseTileProgress(eta, { ...at, index: i + 1 }), message: `${c.id} ${((performance.now() - t0) / 1000).toFixed(1)} s` });
  }
  await rename(workPred, join(ctx.out, 'predictions'));
  writeFileAtomic(join(ctx.out, 'predict.json'), `${JSON.stringify({ ...w, device, threads, checkpoints: inputs.checkpoints,
    cases: inputs.images.map((c) => ({ id: c.id, images: c.files, prediction: `predictions/${c.id}.nii.gz` })) }, null, 2)}\n`);
  ctx.report.metrics({ cases: inputs.images.length, folds: inputs.checkpoints.length });
}

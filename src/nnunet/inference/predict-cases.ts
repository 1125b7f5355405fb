/**
 * Ensemble prediction of new images (recipe 10.6): each image is preprocessed like the training
 * data, predicted with every trained fold (sliding window), the softmax probabilities are averaged
 * over the folds, and the result is exported like validation (uint8 NIfTI in the source grid).
 * Finished cases are kept in the workspace, so an interrupted run resumes at the next image.
 */
import { existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { predictVolume } from '../../native/addon/index.js';
import type { Plans, StagePlan } from '../plans/types.js';
import type { DeviceGrant, PhaseRun } from '../../stage-api/types.js';
import { placementFor } from '../../native/device.js';
import { writeFileAtomic } from '../../util/fs.js';
import { probabilitiesToLabels, writeLabelNifti } from './export.js';
import type { InferenceWith } from './with.js';
import type { ImageCase } from './image-list.js';
import { preprocessImage } from './preprocess-image.js';

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
  for (let i = 0; i < inputs.images.length; i++) {
    if (ctx.signal.aborted) throw new Error(`prediction interrupted after ${i} of ${inputs.images.length} images`);
    const c = inputs.images[i] as ImageCase;
    const file = join(workPred, `${c.id}.nii.gz`);
    if (existsSync(file)) continue;
    const t0 = performance.now();
    const img = await preprocessImage(c.id, c.files, inputs.plans, inputs.stage, threads);
    let sum: Float32Array | undefined;
    let shape: [number, number, number, number] | undefined;
    for (const checkpoint of inputs.checkpoints) {
      const p = await predictVolume({ checkpoint, volume: img.data, shape: img.shape, step: w.step, mirror: w.mirroring,
        head: w.head, tileBatch: w.tile_batch, device, threads, output: 'probabilities' });
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
    ctx.report.progress({ done: i + 1, total: inputs.images.length, unit: 'case', message: `${c.id} ${((performance.now() - t0) / 1000).toFixed(1)} s` });
  }
  await rename(workPred, join(ctx.out, 'predictions'));
  writeFileAtomic(join(ctx.out, 'predict.json'), `${JSON.stringify({ ...w, device, threads, checkpoints: inputs.checkpoints,
    cases: inputs.images.map((c) => ({ id: c.id, images: c.files, prediction: `predictions/${c.id}.nii.gz` })) }, null, 2)}\n`);
  ctx.report.metrics({ cases: inputs.images.length, folds: inputs.checkpoints.length });
}

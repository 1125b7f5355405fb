/**
 * One fold's validation (recipe 10.2-10.4): every validation case of the fold is predicted from
 * its preprocessed array with the trained model (sliding window, Gaussian, mirroring), exported
 * into the source grid, written as uint8 NIfTI, and evaluated against the source label NIfTI into
 * the reference's summary.json.
 *
 * Predictions are written into the workspace first (work/predictions), so an interrupted
 * validation resumes at the next case. While a case is predicted, its tiles are reported (`case 2/5 tiles 40/216`)
 * with an ETA over the tiles of every case still to predict (counted from their preprocessed shapes), so a case of
 * hundreds of tiles never reads as hung. Output (ctx.out): predictions/<id>.nii.gz, summary.json,
 * fold.json (fold, task, labels, model, the network its checkpoint records), validation_args.json, and the per-fold postprocessing
 * (recipe 10.5): postprocessing.json, predictions_postprocessed/<id>.nii.gz + summary.json.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { predictVolume, readCheckpointInfo } from '../../native/addon/index.js';
import { evaluateFold, writeSummaryJson } from '../evaluation/index.js';
import { describeForWhichClasses } from '../postprocessing/index.js';
import type { CaseToEvaluate } from '../evaluation/index.js';
import type { DeviceGrant, PhaseRun } from '../../stage-api/types.js';
import { readFoldData } from '../training/fold-data.js';
import { placementFor } from '../../native/device.js';
import { writeFileAtomic } from '../../util/fs.js';
import { readCaseProperties, readTaskInfo } from '../preprocessing/case-properties.js';
import type { CaseProperties } from '../preprocessing/case.js';
import { probabilitiesToLabels, writeLabelNifti } from '../inference/export.js';
import { readLabelMap } from '../evaluation/label-volume.js';
import { modelCheckpoint } from '../inference/model.js';
import { POSTPROCESSED_DIR, postprocessFold, type PostprocessCase } from '../postprocessing/fold.js';
import type { InferenceWith } from '../inference/with.js';
import { caseTileProgress, TileEta, tileCount } from '../inference/tile-progress.js';

export const SUMMARY_NAME = 'pipe UNetPlusPlus val tiled True';

export interface ValidationInputs {
  readonly trainOut: string;
  readonly preprocessDir: string;
  readonly fold: number;
}

export async function runValidation(ctx: PhaseRun & DeviceGrant, w: InferenceWith, inputs: ValidationInputs): Promise<void> {
  const trainInfo = JSON.parse(await readFile(join(inputs.trainOut, 'train.json'), 'utf8')) as { configuration?: string };
  const data = await readFoldData(inputs.preprocessDir, inputs.fold, trainInfo.configuration ?? '3d_fullres');
  const { task, labels } = await readTaskInfo(inputs.preprocessDir);
  const model = modelCheckpoint(inputs.trainOut, w.model);
  if (model.note) ctx.report.log(model.note);
  const { device, threads } = placementFor(ctx, w.threads);
  const ids = [...data.val].sort();
  if (ids.length === 0) throw new Error(`fold ${inputs.fold} has no validation cases in ${join(inputs.preprocessDir, 'splits.json')}`);
  const workPred = join(ctx.work, 'predictions');
  await mkdir(workPred, { recursive: true });
  // The network is the one the checkpoint records (UNet++ or U-Net), not an option of validate.
  const checkpoint = await readCheckpointInfo(model.path);
  const network = checkpoint.network.architecture ?? 'unetpp';
  ctx.report.log(`fold ${inputs.fold}: predicting ${ids.length} validation cases with ${model.path} ` +
    `(network ${network}, head ${w.head}, mirroring ${w.mirroring}, step ${w.step}, ${device}, ${threads} threads)`);

  const shapes = new Map<string, number[]>();
  const properties = new Map<string, CaseProperties>();
  for (const id of ids) properties.set(id, await readCaseProperties(inputs.preprocessDir, id));
  const propertiesOf = (id: string): CaseProperties => properties.get(id) as CaseProperties;
  const predicted = (id: string): string => join(workPred, `${id}.nii.gz`);
  // The tiles of every case still to predict, for an ETA over the stage (the patch: the checkpoint's, as core's).
  const patch = checkpoint.patchSize;
  const remaining = ids.filter((id) => !existsSync(predicted(id)));
  const eta = new TileEta(remaining.map((id) => tileCount(propertiesOf(id).shape, patch, w.step)));
  for (let i = 0; i < ids.length; i++) {
    if (ctx.signal.aborted) throw new Error(`validation interrupted after ${i} of ${ids.length} cases`);
    const id = ids[i] as string;
    const props = propertiesOf(id);
    shapes.set(id, [...props.geometry.shape.slice(0, 3)]);
    const file = predicted(id);
    if (!remaining.includes(id)) {
      ctx.report.progress({ done: i + 1, total: ids.length, unit: 'case', message: `${id} (done before)` });
      continue;
    }
    const t0 = performance.now();
    const at = { index: i, count: ids.length, id };
    eta.startCase(remaining.indexOf(id));
    const prediction = await predictVolume({
      checkpoint: model.path,
      dataPath: join(inputs.preprocessDir, 'cases', props.files.data),
      step: w.step,
      mirror: w.mirroring,
      head: w.head,
      tileBatch: w.tile_batch,
      device,
      threads,
      output: 'probabilities',
    }, {
      onTiles: (tiles) => {
        eta.tiles(tiles.done, tiles.total);
        ctx.report.progress(caseTileProgress(eta, at, tiles));
      },
    });
    if (prediction.probabilities === undefined) throw new Error(`case ${id}: the runtime returned no probabilities`);
    const labelMap = await probabilitiesToLabels(prediction.probabilities, prediction.shape, props, threads, data.plans.anisotropyThreshold);
    await writeLabelNifti(file, labelMap, props);
    eta.finishCase();
    ctx.report.progress({ ...caseTileProgress(eta, { ...at, index: i + 1 }), message: `${id} ${((performance.now() - t0) / 1000).toFixed(1)} s` });
  }

  const outPred = join(ctx.out, 'predictions');
  await rename(workPred, outPred);
  const cases: CaseToEvaluate[] = [];
  const ppCases: PostprocessCase[] = [];
  for (const id of ids) {
    const props = propertiesOf(id);
    const test = join(outPred, `${id}.nii.gz`);
    ppCases.push({
      id,
      prediction: test,
      reference: props.label,
      dims: shapes.get(id) ?? [],
      geometry: props,
      reportedPath: (file) => join(ctx.committedOut, relative(ctx.out, file)),
    });
    cases.push({
      id,
      test: join(ctx.committedOut, relative(ctx.out, test)),
      reference: props.label,
      load: async () => ({ test: await readLabelMap(test, shapes.get(id)), reference: await readLabelMap(props.label, shapes.get(id)) }),
    });
  }
  const classes = Array.from({ length: data.plans.numClasses }, (_, k) => k);
  const summary = await evaluateFold({ name: SUMMARY_NAME, task }, cases, classes,
    (done, total, id) => ctx.report.progress({ done, total, unit: 'case', message: `evaluated ${id}` }));
  await writeSummaryJson(join(ctx.out, 'summary.json'), summary);
  const pp = await postprocessFold(ctx.out, ppCases, classes.slice(1), SUMMARY_NAME, task);
  const which = pp.decision.forWhichClasses;
  ctx.report.log(`fold ${inputs.fold}: largest-component postprocessing ${which.length > 0 ? `kept for ${describeForWhichClasses(which)}` : 'not kept'} ` +
    `(${POSTPROCESSED_DIR}/summary.json)`);
  writeFileAtomic(join(ctx.out, 'validation_args.json'), `${JSON.stringify({ ...w, checkpoint: model.path, device, threads }, null, 2)}\n`);
  writeFileAtomic(join(ctx.out, 'fold.json'), `${JSON.stringify({ fold: inputs.fold, task, labels, numClasses: data.plans.numClasses, model: w.model, network, cases: ids }, null, 2)}\n`);
  const metrics: Record<string, number> = { cases: ids.length };
  for (const k of classes.slice(1)) {
    const dice = summary.results.mean[String(k)]?.Dice;
    if (dice !== undefined && Number.isFinite(dice)) metrics[`dice_${labels[String(k)] ?? k}`] = Number(dice.toFixed(4));
    const ppDice = pp.summary.results.mean[String(k)]?.Dice;
    if (ppDice !== undefined && Number.isFinite(ppDice)) metrics[`dice_${labels[String(k)] ?? k}_postprocessed`] = Number(ppDice.toFixed(4));
  }
  ctx.report.metrics(metrics);
  ctx.report.log(`fold ${inputs.fold}: ${Object.entries(metrics).map(([k, v]) => `${k} ${v}`).join(', ')}`);
}

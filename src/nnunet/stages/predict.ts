/**
 * `uses: predict`: predicts a folder of new images (`with.images`, e.g. the task's imagesTs; by
 * default the test cases of a convert_decathlon upstream) with the ensemble of every train
 * instance in the needs (softmax averaged over folds); writes predictions/<id>.nii.gz. With a
 * determine_postprocessing instance in the needs, also predictions_postprocessed/<id>.nii.gz with its
 * cross-validation decision applied (nnU-Net's final predictions).
 */
import { join, resolve } from 'node:path';
import { postprocessPredictions, readPostprocessingDecision } from '../postprocessing/apply-file.js';
import { describeForWhichClasses } from '../postprocessing/index.js';
import { allOf, atLeastOne, atMostOne, exactlyOne, oneVariant } from './needs-rules.js';
import { optionalUpstreamOfKind, upstreamOfKind } from './upstream.js';
import { imagesInFolder, testCasesOfConvert } from '../inference/image-list.js';
import { runPrediction } from '../inference/predict-cases.js';
import { readFoldData } from '../training/fold-data.js';
import { modelCheckpoint } from '../inference/model.js';
import { inferenceProperties, inferenceRequired, type InferenceWith } from '../inference/with.js';
import { nativeRuntimeIdentity } from '../../native/addon/runtime-identity.js';
import type { JSONSchemaType } from 'ajv';
import type { BuiltinStage, StageContext } from '../../stage-api/types.js';

interface PredictWith extends InferenceWith {
  readonly images?: string | null;
}

const predictWithSchema: JSONSchemaType<PredictWith> = {
  type: 'object',
  additionalProperties: false,
  required: [...inferenceRequired],
  properties: {
    images: { type: 'string', nullable: true, default: null, description: 'Folder of images (null: the convert upstream\'s test cases).' },
    ...inferenceProperties,
  },
};

const stage: BuiltinStage<PredictWith> = {
  kind: 'predict',
  version: '1',
  runtime: nativeRuntimeIdentity,
  withSchema: predictWithSchema,
  // The ensemble of one variant's folds, with that variant's postprocessing decision.
  checkNeeds: allOf(atLeastOne('train'), oneVariant('train', 'determine_postprocessing'), exactlyOne('preprocess'),
    atMostOne('determine_postprocessing'), atMostOne('convert_decathlon')),
  inputs(w, projectDir) {
    return typeof w.images === 'string' ? [resolve(projectDir, w.images)] : [];
  },
  async run(ctx: StageContext<PredictWith>): Promise<void> {
    const w = ctx.with;
    const trains = ctx.needs.filter((n) => n.kind === 'train');
    if (trains.length === 0) throw new Error(`${ctx.stage}: expected train instances in needs (the folds of the ensemble) but found none`);
    const checkpoints = trains.map((t) => {
      const m = modelCheckpoint(t.out, w.model);
      if (m.note) ctx.report.log(`${t.stage}: ${m.note}`);
      return m.path;
    });
    const pre = upstreamOfKind(ctx, 'preprocess').out;
    const data = await readFoldData(pre, 0);
    const images = w.images != null
      ? await imagesInFolder(resolve(ctx.projectDir, w.images))
      : await testCasesOfConvert(upstreamOfKind(ctx, 'convert_decathlon').out);
    if (images.length === 0) throw new Error(`${ctx.stage}: no images to predict (the dataset lists no test cases; set with.images)`);
    await runPrediction(ctx, w, { plans: data.plans, stage: data.stage, checkpoints, images });
    const pp = optionalUpstreamOfKind(ctx, 'determine_postprocessing');
    if (pp !== undefined) {
      const decision = await readPostprocessingDecision(join(pp.out, 'postprocessing.json'));
      await postprocessPredictions(join(ctx.out, 'predictions'), join(ctx.out, 'predictions_postprocessed'), images.map((c) => c.id), decision);
      ctx.report.log(`predictions_postprocessed/: ${pp.stage}'s decision applied (largest component ` +
        `${decision.length > 0 ? `of ${describeForWhichClasses(decision)}` : 'of nothing: the raw predictions unchanged'})`);
    }
  },
};

export default stage;

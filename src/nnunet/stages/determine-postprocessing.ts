/**
 * `uses: determine_postprocessing`: the cross-validation postprocessing decision (nnU-Net v1's
 * `nnUNet_determine_postprocessing`) over the validation cases of every validate instance in the needs,
 * with the preprocess instance they share for ground truth and geometry (src/nnunet/postprocessing/crossval.ts).
 * A predict stage that needs this instance also writes its predictions with the decision applied.
 */
import { describeForWhichClasses } from '../postprocessing/index.js';
import { allOf, atLeastOne, exactlyOne, oneVariant } from './needs-rules.js';
import { upstreamOfKind } from './upstream.js';
import { readTaskInfo } from '../preprocessing/case-properties.js';
import { CV_POSTPROCESSED_DIR, postprocessCrossValidation } from '../postprocessing/crossval.js';
import type { JSONSchemaType } from 'ajv';
import type { BuiltinStage, StageContext } from '../../stage-api/types.js';

/** No options: the decision follows from the validate instances in the needs. */
type NoWith = Record<string, never>;

const noWithSchema: JSONSchemaType<NoWith> = { type: 'object', additionalProperties: false, required: [] };

const stage: BuiltinStage<NoWith> = {
  kind: 'determine_postprocessing',
  version: '1',
  withSchema: noWithSchema,
  // One decision over one variant's folds: pooling two variants would count every case twice.
  checkNeeds: allOf(atLeastOne('validate'), oneVariant('validate'), exactlyOne('preprocess')),
  async run(ctx: StageContext<NoWith>): Promise<void> {
    const validations = ctx.needs.filter((n) => n.kind === 'validate');
    if (validations.length === 0) {
      throw new Error(`${ctx.stage}: expected validate instances in needs (fan-in over the folds) but found none`);
    }
    const pre = upstreamOfKind(ctx, 'preprocess').out;
    const { labels } = await readTaskInfo(pre);
    const cv = await postprocessCrossValidation(ctx.out, ctx.committedOut, validations, pre);
    const kept = cv.decision.forWhichClasses.length > 0 ? `kept for ${describeForWhichClasses(cv.decision.forWhichClasses)}` : 'not kept';
    ctx.report.log(`cross-validation over folds ${cv.folds.join(', ')} (${cv.cases} cases): largest-component postprocessing ` +
      `${kept} (postprocessing.json, ${CV_POSTPROCESSED_DIR}/)`);
    const metrics: Record<string, number> = { folds: cv.folds.length, cases: cv.cases };
    for (const id of Object.keys(cv.decision.dcPerClassRaw)) {
      const name = labels[id] ?? id;
      const before = cv.raw.results.mean[id]?.Dice;
      const after = cv.postprocessed.results.mean[id]?.Dice;
      if (before !== undefined && Number.isFinite(before)) metrics[`dice_${name}`] = Number(before.toFixed(4));
      if (after !== undefined && Number.isFinite(after)) metrics[`dice_${name}_postprocessed`] = Number(after.toFixed(4));
    }
    ctx.report.metrics(metrics);
    ctx.report.log(Object.entries(metrics).map(([k, v]) => `${k} ${v}`).join(', '));
  },
};

export default stage;

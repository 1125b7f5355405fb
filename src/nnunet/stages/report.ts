/**
 * `uses: report`: fans in every validate instance (summary.json + fold.json) and, for the training
 * curves and speed, every train instance (history.json), and writes report.json, report.md,
 * report.html and plots/*.svg (src/nnunet/report/). With a determine_postprocessing instance in the needs, also
 * the pooled Dice after its cross-validation postprocessing. `with.reference` holds the reference Dice in percent
 * by label id, e.g. {"1": 95.80, "2": 65.60}. With variants (matrix axes beside the fold, stages/variants.ts), one
 * report per variant in variants/<name>/ and at the top the variants side by side with the paired comparison
 * against the first (report/variants-report.ts).
 */
import { basename } from 'node:path';
import { comparisonText } from '../report/compare/comparison-text.js';
import { gatherReportInput } from '../report/gather-input.js';
import type { LabelReport } from '../report/types.js';
import { writeVariantsReport } from '../report/variants/write-variants-report.js';
import { writeReport } from '../report/write-report.js';
import { allOf, atLeastOne, onePerVariant } from './needs-rules.js';
import { groupByVariant } from './variants.js';
import type { JSONSchemaType } from 'ajv';
import type { BuiltinStage, StageContext } from '../../stage-api/types.js';

interface ReportWith {
  readonly title?: string | null;
  readonly reference: Record<string, number>;
  readonly reference_source?: string | null;
}

export const reportWithSchema: JSONSchemaType<ReportWith> = {
  type: 'object',
  additionalProperties: false,
  required: ['reference'],
  properties: {
    title: { type: 'string', nullable: true, default: null, description: 'Pipeline name shown in the report (null: the project folder).' },
    reference: {
      type: 'object',
      required: [],
      additionalProperties: { type: 'number', minimum: 0, maximum: 100 },
      propertyNames: { pattern: '^[0-9]+$' },
      default: {},
      description: 'Reference Dice in percent by label id.',
    },
    reference_source: { type: 'string', nullable: true, default: null },
  },
};

function diceLine(l: LabelReport, folds: number): string {
  return `${l.name}: Dice ${l.meanPercent?.toFixed(2) ?? 'n/a'} % mean over ${folds} folds` +
    `${l.stdPercent !== null ? ` (± ${l.stdPercent.toFixed(2)})` : ''}` +
    `${l.postprocessedMeanPercent !== null ? `, ${l.postprocessedMeanPercent.toFixed(2)} after postprocessing` : ''}` +
    `${l.crossValidationPostprocessedPercent !== null ? `, pooled ${l.pooledPercent?.toFixed(2) ?? 'n/a'} -> ${l.crossValidationPostprocessedPercent.toFixed(2)} with the cross-validation postprocessing` : ''}` +
    `${l.referencePercent !== null ? `, reference ${l.referencePercent.toFixed(2)}` : ''}`;
}

/** The journal's figures of one report; `suffix` names the variant (`[network=unet]`) when there are several. */
function diceMetrics(summary: readonly LabelReport[], suffix = ''): Record<string, number> {
  const metrics: Record<string, number> = {};
  for (const l of summary) {
    if (l.meanPercent !== null) metrics[`dice_${l.name}${suffix}`] = Number(l.meanPercent.toFixed(2));
    if (l.postprocessedMeanPercent !== null) metrics[`dice_${l.name}_postprocessed${suffix}`] = Number(l.postprocessedMeanPercent.toFixed(2));
    if (l.crossValidationPostprocessedPercent !== null) metrics[`dice_${l.name}_cv_postprocessed${suffix}`] = Number(l.crossValidationPostprocessedPercent.toFixed(2));
  }
  return metrics;
}

const stage: BuiltinStage<ReportWith> = {
  kind: 'report',
  version: '6',
  withSchema: reportWithSchema,
  // Variants (matrix axes beside the fold) are reported side by side, each with its own postprocessing.
  checkNeeds: allOf(atLeastOne('validate'), onePerVariant('determine_postprocessing')),
  async run(ctx: StageContext<ReportWith>): Promise<void> {
    const w = ctx.with;
    const validations = ctx.needs.filter((n) => n.kind === 'validate');
    if (validations.length === 0) throw new Error(`${ctx.stage}: expected validate instances in needs (fan-in over the folds) but found none`);
    const trainings = new Map(groupByVariant(ctx.needs.filter((n) => n.kind === 'train')).map((g) => [g.name, g.items]));
    const decisions = new Map(groupByVariant(ctx.needs.filter((n) => n.kind === 'determine_postprocessing')).map((g) => [g.name, g.items]));
    const meta = {
      pipeline: w.title ?? basename(ctx.projectDir),
      reference: w.reference,
      ...(w.reference_source ? { referenceSource: w.reference_source } : {}),
    };
    const variants = groupByVariant(validations);
    for (const name of [...trainings.keys(), ...decisions.keys()]) {
      if (!variants.some((v) => v.name === name)) throw new Error(`${ctx.stage}: the needs hold train or postprocessing instances of variant ${name || '(none)'} but no validation of it`);
    }
    const inputs = [];
    for (const v of variants) {
      const postprocessing = decisions.get(v.name)?.[0];
      inputs.push({
        name: v.name,
        matrix: v.matrix,
        input: await gatherReportInput({ validations: v.items, trainings: trainings.get(v.name) ?? [], ...(postprocessing ? { postprocessing } : {}) }, meta),
      });
    }
    const [only] = inputs;
    if (inputs.length === 1 && only !== undefined) {
      const written = await writeReport(ctx.out, only.input);
      ctx.report.metrics({ folds: written.report.folds.length, ...diceMetrics(written.report.summary) });
      ctx.report.log(`report: ${written.html}`);
      for (const l of written.report.summary) ctx.report.log(diceLine(l, written.report.folds.length));
      return;
    }
    const written = await writeVariantsReport(ctx.out, inputs);
    const metrics: Record<string, number> = { variants: inputs.length };
    for (const v of written.report.variants) Object.assign(metrics, diceMetrics(v.summary, `[${v.name}]`));
    ctx.report.metrics(metrics);
    ctx.report.log(`report: ${written.html} (${inputs.length} variants, compared against ${written.report.comparison.baseline})`);
    for (const v of written.report.variants) {
      for (const l of v.summary) ctx.report.log(`${v.name}: ${diceLine(l, v.folds)}`);
    }
    for (const line of comparisonText(written.report.comparison).split('\n')) ctx.report.log(line);
  },
  analysis: async () => (await import('../report/compare/analysis.js')).reportAnalysis,
};

export default stage;

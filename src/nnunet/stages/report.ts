/**
 * `uses: report`: fans in every validate instance (summary.json + fold.json) and, for the training
 * curves and speed, every train instance (history.json), and writes report.json, report.md,
 * report.html and plots/*.svg (src/nnunet/report/). With a determine_postprocessing instance in the needs, also
 * the pooled Dice after its cross-validation postprocessing. `with.reference` holds the reference Dice in percent
 * by label id, e.g. {"1": 95.80, "2": 65.60}.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { readSummaryJson } from '../evaluation/index.js';
import { optionalUpstreamOfKind } from './upstream.js';
import { readPostprocessingDecision } from '../postprocessing/apply-file.js';
import { readTrainingHistory } from '../report/read-inputs.js';
import { CV_POSTPROCESSED_DIR } from '../postprocessing/crossval.js';
import type { FoldInput, ReportInput } from '../report/types.js';
import { writeReport } from '../report/write-report.js';
import { checkTrainRecord, type TrainRecord } from '../training/train-record.js';
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

async function readJson<T>(file: string): Promise<T> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (cause) {
    throw new Error(`${file}: cannot read (${(cause as Error).message})`, { cause });
  }
}

const stage: BuiltinStage<ReportWith> = {
  kind: 'report',
  version: '5',
  withSchema: reportWithSchema,
  async run(ctx: StageContext<ReportWith>): Promise<void> {
    const w = ctx.with;
    const validations = ctx.needs.filter((n) => n.kind === 'validate');
    if (validations.length === 0) throw new Error(`${ctx.stage}: expected validate instances in needs (fan-in over the folds) but found none`);
    const histories = new Map<number, string>();
    const trainRecords = new Map<number, TrainRecord>();
    for (const t of ctx.needs.filter((n) => n.kind === 'train')) {
      const file = join(t.out, 'train.json');
      const info = checkTrainRecord(await readJson<unknown>(file), file);
      trainRecords.set(info.fold, info);
      if (existsSync(join(t.out, 'history.json'))) histories.set(info.fold, join(t.out, 'history.json'));
    }
    let task = '';
    let labels: Record<string, string> = {};
    const folds: FoldInput[] = [];
    for (const v of validations) {
      const info = await readJson<{ fold: number; task: string; labels: Record<string, string> }>(join(v.out, 'fold.json'));
      task ||= info.task;
      labels = { ...info.labels, ...labels };
      const summary = await readSummaryJson(join(v.out, 'summary.json'));
      const historyPath = histories.get(info.fold);
      const ppPath = join(v.out, 'predictions_postprocessed', 'summary.json');
      const trained = trainRecords.get(info.fold);
      folds.push({
        fold: info.fold,
        summary,
        ...(trained?.departures !== undefined ? { departures: trained.departures } : {}),
        ...(trained?.attempts !== undefined ? { attempts: trained.attempts } : {}),
        ...(historyPath ? { history: await readTrainingHistory(historyPath) } : {}),
        ...(existsSync(ppPath) ? { postprocessed: await readSummaryJson(ppPath) } : {}),
      });
    }
    folds.sort((a, b) => a.fold - b.fold);
    const cvStage = optionalUpstreamOfKind(ctx, 'determine_postprocessing');
    const crossValidation = cvStage === undefined ? undefined : {
      forWhichClasses: await readPostprocessingDecision(join(cvStage.out, 'postprocessing.json')),
      postprocessed: await readSummaryJson(join(cvStage.out, CV_POSTPROCESSED_DIR, 'summary.json')),
    };
    const input: ReportInput = {
      pipeline: w.title ?? basename(ctx.projectDir),
      task,
      labels,
      folds,
      ...(Object.keys(w.reference).length > 0 ? { reference: w.reference } : {}),
      ...(w.reference_source ? { referenceSource: w.reference_source } : {}),
      ...(crossValidation ? { crossValidation } : {}),
    };
    const written = await writeReport(ctx.out, input);
    const metrics: Record<string, number | string> = { folds: folds.length };
    for (const l of written.report.summary) {
      if (l.meanPercent !== null) metrics[`dice_${l.name}`] = Number(l.meanPercent.toFixed(2));
      if (l.postprocessedMeanPercent !== null) metrics[`dice_${l.name}_postprocessed`] = Number(l.postprocessedMeanPercent.toFixed(2));
      if (l.crossValidationPostprocessedPercent !== null) metrics[`dice_${l.name}_cv_postprocessed`] = Number(l.crossValidationPostprocessedPercent.toFixed(2));
    }
    ctx.report.metrics(metrics);
    ctx.report.log(`report: ${written.html}`);
    for (const l of written.report.summary) {
      ctx.report.log(`${l.name}: Dice ${l.meanPercent?.toFixed(2) ?? 'n/a'} % mean over ${folds.length} folds` +
        `${l.stdPercent !== null ? ` (± ${l.stdPercent.toFixed(2)})` : ''}` +
        `${l.postprocessedMeanPercent !== null ? `, ${l.postprocessedMeanPercent.toFixed(2)} after postprocessing` : ''}` +
        `${l.crossValidationPostprocessedPercent !== null ? `, pooled ${l.pooledPercent?.toFixed(2) ?? 'n/a'} -> ${l.crossValidationPostprocessedPercent.toFixed(2)} with the cross-validation postprocessing` : ''}` +
        `${l.referencePercent !== null ? `, reference ${l.referencePercent.toFixed(2)}` : ''}`);
    }
  },
  analysis: async () => (await import('../report/compare/analysis.js')).reportAnalysis,
};

export default stage;

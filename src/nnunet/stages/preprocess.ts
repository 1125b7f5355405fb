/**
 * `uses: preprocess`: turns the cases of a convert_decathlon output into training-ready arrays for
 * one configuration of a plan upstream. Output folder:
 *   plans.json, splits.json    copies from the plan upstream
 *   dataset.json               copy from the convert upstream
 *   cases/<id>.data.npy        float32 (C, Z, Y, X), normalised
 *   cases/<id>.seg.npy         int8 (Z, Y, X), labels 0..K, -1 outside the nonzero mask
 *   cases/<id>.json            properties (src/nnunet/preprocessing/case.ts `CaseProperties`)
 * Needs an upstream of kind `plan`; the convert_decathlon output is taken from a direct upstream of
 * that kind when present, else from the folder recorded in the plan's fingerprint.json.
 */
import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadDatasetSource } from '../dataset/cases.js';
import type { Fingerprint, Plans } from '../plans/types.js';
import { preprocessDataset } from '../preprocessing/run.js';
import { formatGiB } from '../preprocessing/memory.js';
import { peakRssGiB } from '../../util/machine-memory.js';
import { upstreamOfKind } from './upstream.js';
import { caseRunOptions } from './case-options.js';
import type { JSONSchemaType } from 'ajv';
import type { BuiltinStage, StageContext } from '../../stage-api/types.js';
import { MEMORY_GB_OPTION } from './memory-option.js';

interface PreprocessWith {
  readonly configuration: '3d_fullres' | '3d_lowres';
  readonly workers: number;
  readonly memory_gb?: number | null;
}

export const preprocessWithSchema: JSONSchemaType<PreprocessWith> = {
  type: 'object',
  additionalProperties: false,
  required: ['configuration', 'workers'],
  properties: {
    configuration: { type: 'string', enum: ['3d_fullres', '3d_lowres'], default: '3d_fullres', description: 'Which plan configuration to preprocess for.' },
    workers: { type: 'integer', minimum: 1, default: 2, description: 'Cases preprocessed at once.' },
    memory_gb: MEMORY_GB_OPTION,
  },
};

async function readJson<T>(file: string): Promise<T> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (cause) {
    throw new Error(`${file}: cannot read the plan output (${(cause as Error).message})`, { cause });
  }
}

const stage: BuiltinStage<PreprocessWith> = {
  kind: 'preprocess',
  // 2: order-3 image resampling clips to the input's range as nnU-Net v1 (skimage resize clip=True) does.
  version: '2',
  executionOnly: ['workers', 'memory_gb'],
  withSchema: preprocessWithSchema,
  async run(ctx: StageContext<PreprocessWith>): Promise<void> {
    const w = ctx.with;
    const plan = upstreamOfKind(ctx, 'plan');
    const plans = await readJson<Plans>(join(plan.out, 'plans.json'));
    const fingerprint = await readJson<Fingerprint & { source?: string }>(join(plan.out, 'fingerprint.json'));
    const convertDir = ctx.needs.some((n) => n.kind === 'convert_decathlon')
      ? upstreamOfKind(ctx, 'convert_decathlon').out
      : fingerprint.source;
    if (!convertDir) throw new Error(`${join(plan.out, 'fingerprint.json')}: no source folder recorded and no convert_decathlon upstream`);
    const source = await loadDatasetSource(convertDir);
    const configuration = w.configuration;
    ctx.report.progress({ done: 0, total: source.cases.length, unit: 'case' });
    const t0 = performance.now();
    const run = caseRunOptions(ctx, w);
    const summary = await preprocessDataset(source, plans, fingerprint, {
      ...run,
      configuration,
      outDir: ctx.out,
      log: (m) => ctx.report.log(m),
    });
    await copyFile(join(plan.out, 'plans.json'), join(ctx.out, 'plans.json'));
    await copyFile(join(plan.out, 'splits.json'), join(ctx.out, 'splits.json'));
    await copyFile(join(source.dir, 'dataset.json'), join(ctx.out, 'dataset.json'));
    const seconds = (performance.now() - t0) / 1000;
    ctx.report.metrics({
      configuration,
      cases: summary.cases,
      processed: summary.processed,
      resumed: summary.resumed,
      secondsPerCase: summary.processed > 0 ? Number((seconds / summary.processed).toFixed(3)) : 0,
      largestCaseEstimate: formatGiB(summary.peakEstimateBytes),
      // What the stage's process held at most (all cases in flight together), next to the estimates.
      peakRssGiB: peakRssGiB(),
    });
  },
};

export default stage;

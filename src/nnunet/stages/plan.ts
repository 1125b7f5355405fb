/**
 * `uses: plan`: the dataset fingerprint, the 3D plan (ExperimentPlanner3D_v21) and the 5-fold split
 * for the output of a convert_decathlon upstream. Writes into its output folder:
 *   fingerprint.json  per-case spacing/shapes/crop box/classes, CT foreground statistics, source folder
 *   plans.json        the plan (src/nnunet/plans/types.ts `Plans`): configurations 3d_fullres (+ 3d_lowres)
 *   splits.json       [{ train: [ids], val: [ids] }] x folds (KFold, shuffle, seed)
 * batch_size and patch_size are not parameters here: train reads them from plans.json by default.
 */
import { join } from 'node:path';
import { loadDatasetSource } from '../dataset/cases.js';
import { computeFingerprint } from '../experiment-planning/fingerprint.js';
import { planExperiment } from '../experiment-planning/planner.js';
import { kfoldSplits, SPLIT_SEED } from '../experiment-planning/split.js';
import { upstreamOfKind } from './upstream.js';
import { writeJsonFile } from '../../util/json-file.js';
import { caseRunOptions } from './case-options.js';
import { peakRssGiB } from '../../util/machine-memory.js';
import type { JSONSchemaType } from 'ajv';
import type { BuiltinStage, StageContext } from '../../stage-api/types.js';
import { MEMORY_GB_OPTION } from './memory-option.js';

interface PlanWith {
  readonly workers: number;
  readonly memory_gb?: number | null;
  readonly folds: number;
  readonly split_seed: number;
}

export const planWithSchema: JSONSchemaType<PlanWith> = {
  type: 'object',
  additionalProperties: false,
  required: ['workers', 'folds', 'split_seed'],
  properties: {
    workers: { type: 'integer', minimum: 1, default: 2, description: 'Cases read and cropped at once.' },
    memory_gb: MEMORY_GB_OPTION,
    folds: { type: 'integer', minimum: 2, default: 5, description: 'Cross-validation folds (KFold).' },
    split_seed: { type: 'integer', minimum: 0, default: SPLIT_SEED, description: 'KFold shuffle seed (the reference uses 12345).' },
  },
};

const stage: BuiltinStage<PlanWith> = {
  kind: 'plan',
  version: '1',
  executionOnly: ['workers', 'memory_gb'],
  withSchema: planWithSchema,
  async run(ctx: StageContext<PlanWith>): Promise<void> {
    const w = ctx.with;
    const convert = upstreamOfKind(ctx, 'convert_decathlon');
    const source = await loadDatasetSource(convert.out);
    ctx.report.log(`fingerprinting ${source.cases.length} cases from ${convert.out}`);
    ctx.report.progress({ done: 0, total: source.cases.length, unit: 'case' });
    const fingerprint = await computeFingerprint(source, caseRunOptions(ctx, w));
    const empty = (fingerprint.intensityProperties ?? []).findIndex((p) => p !== null && p.count === 0);
    if (empty >= 0) {
      throw new Error(`no voxel with label > 0 in any case: cannot compute the CT intensity statistics of channel ${empty} (${fingerprint.modalities[empty]})`);
    }
    const plans = planExperiment(fingerprint);
    const splits = kfoldSplits(source.cases.map((c) => c.id), w.folds, w.split_seed);
    await writeJsonFile(join(ctx.out, 'fingerprint.json'), { source: convert.out, ...fingerprint });
    await writeJsonFile(join(ctx.out, 'plans.json'), plans);
    await writeJsonFile(join(ctx.out, 'splits.json'), splits);
    const full = plans.configurations['3d_fullres'];
    ctx.report.metrics({
      cases: plans.numCases,
      spacing: full.spacing.map((s) => s.toFixed(4)).join('x'),
      patch: full.patchSize.join('x'),
      batch: full.batchSize,
      pools: full.poolKernels.length,
      lowres: plans.configurations['3d_lowres'] ? 'yes' : 'no',
      peakRssGiB: peakRssGiB(),
    });
  },
};

export default stage;

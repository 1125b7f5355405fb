/**
 * `uses: convert_decathlon`: validates an MSD task folder (`with.dataset`, or the task written by an
 * upstream synthesize_decathlon stage), splits 4D multi-modal images into channel files, runs
 * nnU-Net's integrity check when `verify` is true, and writes `dataset.json` + `cases.json` (see
 * src/nnunet/dataset/decathlon/manifest.ts). Single-channel images are referenced, not copied: the dataset
 * folder is an input, so its content digest is part of the key.
 */
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { convertDecathlon } from '../dataset/decathlon/convert.js';
import { isFile } from '../dataset/decathlon/task-folder.js';
import { peakRssGiB } from '../../util/machine-memory.js';
import type { JSONSchemaType } from 'ajv';
import type { BuiltinStage, StageContext } from '../../stage-api/types.js';

interface ConvertWith {
  readonly dataset?: string;
  readonly verify: boolean;
  readonly workers: number;
  readonly memory_gb?: number | null;
}

export const convertWithSchema: JSONSchemaType<ConvertWith> = {
  type: 'object',
  additionalProperties: false,
  required: ['verify', 'workers'],
  properties: {
    dataset: {
      type: 'string',
      nullable: true,
      minLength: 1,
      description:
        'MSD task folder (Task03_Liver layout), absolute or relative to the project. Optional when a ' +
        'synthesize_decathlon stage is among the needs.',
    },
    verify: { type: 'boolean', default: true, description: "nnU-Net's --verify_dataset_integrity checks." },
    workers: { type: 'integer', minimum: 1, maximum: 64, default: 2, description: 'Cases checked at once.' },
    memory_gb: {
      type: 'number',
      nullable: true,
      exclusiveMinimum: 0,
      description:
        'Voxel memory in GiB the cases checked at once may hold together (null: what the machine, its Slurm job or cgroup offers, less a margin).',
    },
  },
};

/** The task folder: `with.dataset`, or the one an upstream synthesize_decathlon wrote. */
async function datasetDir(ctx: StageContext<ConvertWith>): Promise<string> {
  const w = ctx.with;
  if (w.dataset) return resolve(ctx.projectDir, w.dataset);
  const upstream = ctx.needs.find((n) => n.kind === 'synthesize_decathlon');
  if (!upstream) {
    throw new Error(
      'Expected a task folder for with.dataset but received nothing (and no synthesize_decathlon stage is among the needs)',
    );
  }
  if (await isFile(join(upstream.out, 'dataset.json'))) return upstream.out;
  const dirs = (await readdir(upstream.out, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  for (const d of dirs.sort()) if (await isFile(join(upstream.out, d, 'dataset.json'))) return join(upstream.out, d);
  throw new Error(`${upstream.stage} output ${upstream.out} holds no task folder with a dataset.json`);
}

const stage: BuiltinStage<ConvertWith> = {
  kind: 'convert_decathlon',
  version: '1',
  executionOnly: ['workers', 'memory_gb'],
  withSchema: convertWithSchema,
  inputs(withParams, projectDir) {
    return withParams.dataset ? [resolve(projectDir, withParams.dataset)] : [];
  },
  async run(ctx: StageContext<ConvertWith>): Promise<void> {
    const w = ctx.with;
    const dir = await datasetDir(ctx);
    const verify = w.verify;
    ctx.report.log(`converting ${dir}${verify ? ' with integrity checks' : ''}`);
    const result = await convertDecathlon(dir, ctx.out, {
      verify,
      workers: w.workers,
      memoryGb: w.memory_gb ?? null,
      stage: ctx.stage,
      workDir: ctx.work,
      signal: ctx.signal,
      log: (m) => ctx.report.log(m),
      onCase: (done, total, id) => ctx.report.progress({ done, total, unit: 'case', message: id }),
    });
    ctx.report.metrics({
      trainingCases: result.cases.training.length,
      testCases: result.cases.test.length,
      channels: Object.keys(result.dataset.modality).length,
      splitFiles: result.splitFiles,
      verified: verify ? 1 : 0,
      warnings: result.warnings.length,
      resumedCases: result.resumed,
      peakRssGiB: peakRssGiB(),
    });
    ctx.report.log(verify ? 'Dataset OK' : 'dataset converted (integrity not verified)');
  },
};

export default stage;

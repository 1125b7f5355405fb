/**
 * `uses: synthesize_decathlon`: writes a demo MSD task of abdominal-CT-like phantoms into
 * `<out>/<name>/` (dataset.json, imagesTr/, labelsTr/, imagesTs/). Deterministic for a seed, so its
 * key (kind, version, with) fully describes the output.
 */
import { join } from 'node:path';
import { synthesizeDecathlon } from '../dataset/synthesize/synthesize.js';
import type { JSONSchemaType } from 'ajv';
import type { BuiltinStage, StageContext } from '../../stage-api/types.js';

interface SynthesizeWith {
  readonly cases: number;
  readonly test_cases: number;
  readonly seed: number;
  readonly name: string;
  /** [min, max] each (two items: the schema says so). */
  readonly in_plane_size: readonly number[];
  readonly slices: readonly number[];
  readonly scan_length?: readonly number[] | null;
  readonly in_plane_spacing: readonly number[];
  readonly slice_spacing: readonly number[];
  readonly channels: number;
}

const range = (min: number, max: number, dflt: [number, number], description: string) =>
  ({ type: 'array', items: { type: 'number', minimum: min, maximum: max }, minItems: 2, maxItems: 2, default: dflt, description }) as const;

export const synthesizeWithSchema: JSONSchemaType<SynthesizeWith> = {
  type: 'object',
  additionalProperties: false,
  required: ['cases', 'test_cases', 'seed', 'name', 'in_plane_size', 'slices', 'in_plane_spacing', 'slice_spacing', 'channels'],
  properties: {
    cases: { type: 'integer', minimum: 1, default: 20, description: 'Labelled training cases.' },
    test_cases: { type: 'integer', minimum: 0, default: 5, description: 'Unlabelled cases in imagesTs.' },
    seed: { type: 'integer', default: 0 },
    name: {
      type: 'string',
      pattern: '^Task[0-9]{2}_[A-Za-z0-9._-]+$',
      default: 'Task03_Liver-like',
      description: 'Task folder name (MSD rule: Task + two digits + _ + name).',
    },
    in_plane_size: range(8, 2048, [64, 96], 'Voxels per in-plane axis [min, max].'),
    slices: range(2, 2048, [24, 60], 'Slice count [min, max] (unused when scan_length is set).'),
    scan_length: {
      type: 'array',
      nullable: true,
      items: { type: 'number', minimum: 1, maximum: 10000 },
      minItems: 2,
      maxItems: 2,
      description:
        'Scan length in mm [min, max]: each case draws its slice spacing, then its length, and the slice count ' +
        'follows (real CT: Task03 has 0.7-5 mm slices over 150-700 mm, so 75-987 slices). Unset: slices are drawn apart.',
    },
    in_plane_spacing: range(0.01, 100, [0.7, 1.0], 'In-plane voxel size in mm [min, max].'),
    slice_spacing: range(0.01, 100, [1.0, 5.0], 'Slice thickness in mm [min, max].'),
    channels: { type: 'integer', minimum: 1, maximum: 4, default: 1, description: '>1 writes 4D multi-phase images.' },
  },
};

/** A validated [min, max] pair. */
const pair = (v: readonly number[]): [number, number] => [v[0] ?? Number.NaN, v[1] ?? Number.NaN];

const stage: BuiltinStage<SynthesizeWith> = {
  kind: 'synthesize_decathlon',
  version: '1',
  withSchema: synthesizeWithSchema,
  async run(ctx: StageContext<SynthesizeWith>): Promise<void> {
    const w = ctx.with;
    const folder = w.name;
    const dir = join(ctx.out, folder);
    ctx.report.log(`writing ${w.cases} training + ${w.test_cases} test phantoms to ${dir}`);
    const result = await synthesizeDecathlon(dir, {
      cases: w.cases,
      testCases: w.test_cases,
      seed: w.seed,
      name: folder.replace(/^Task[0-9]{2}_/, ''),
      inPlaneSize: pair(w.in_plane_size),
      slices: pair(w.slices),
      ...(w.scan_length ? { scanLength: pair(w.scan_length) } : {}),
      inPlaneSpacing: pair(w.in_plane_spacing),
      sliceSpacing: pair(w.slice_spacing),
      channels: w.channels,
      signal: ctx.signal,
      onCase: (done, total, id) => ctx.report.progress({ done, total, unit: 'case', message: id }),
    });
    ctx.report.metrics({
      cases: result.training.length,
      testCases: result.test.length,
      tumours: result.training.reduce((n, c) => n + c.tumours, 0),
      task: folder,
    });
  },
};

export default stage;

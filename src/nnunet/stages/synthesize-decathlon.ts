/**
 * `uses: synthesize_decathlon`: writes a demo MSD task of abdominal-CT-like phantoms into
 * `<out>/<name>/` (dataset.json, imagesTr/, labelsTr/, imagesTs/). Deterministic for a seed, so its
 * key (kind, version, with) fully describes the output.
 */
import { join } from 'node:path';
import { synthesizeDecathlon } from '../dataset/synthesize/synthesize.js';
import type { BuiltinStage, StageContext } from '../../stage-api/types.js';

const range = (min: number, max: number, dflt: [number, number]) => ({
  type: 'array',
  items: { type: 'number', minimum: min, maximum: max },
  minItems: 2,
  maxItems: 2,
  default: dflt,
});

export const synthesizeWithSchema = {
  type: 'object',
  additionalProperties: false,
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
    in_plane_size: { ...range(8, 2048, [64, 96]), description: 'Voxels per in-plane axis [min, max].' },
    slices: { ...range(2, 2048, [24, 60]), description: 'Slice count [min, max].' },
    in_plane_spacing: { ...range(0.01, 100, [0.7, 1.0]), description: 'In-plane voxel size in mm [min, max].' },
    slice_spacing: { ...range(0.01, 100, [1.0, 5.0]), description: 'Slice thickness in mm [min, max].' },
    channels: { type: 'integer', minimum: 1, maximum: 4, default: 1, description: '>1 writes 4D multi-phase images.' },
  },
} as const;

interface SynthesizeWith {
  cases?: number;
  test_cases?: number;
  seed?: number;
  name?: string;
  in_plane_size?: [number, number];
  slices?: [number, number];
  in_plane_spacing?: [number, number];
  slice_spacing?: [number, number];
  channels?: number;
}

const stage: BuiltinStage = {
  kind: 'synthesize_decathlon',
  version: '1',
  withSchema: synthesizeWithSchema,
  async run(ctx: StageContext): Promise<void> {
    const w = ctx.with as SynthesizeWith;
    const folder = w.name ?? 'Task03_Liver-like';
    const dir = join(ctx.out, folder);
    ctx.report.log(`writing ${w.cases ?? 20} training + ${w.test_cases ?? 5} test phantoms to ${dir}`);
    const result = await synthesizeDecathlon(dir, {
      cases: w.cases,
      testCases: w.test_cases,
      seed: w.seed,
      name: folder.replace(/^Task[0-9]{2}_/, ''),
      inPlaneSize: w.in_plane_size,
      slices: w.slices,
      inPlaneSpacing: w.in_plane_spacing,
      sliceSpacing: w.slice_spacing,
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

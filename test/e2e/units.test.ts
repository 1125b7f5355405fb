/**
 * Small pieces of the end-to-end path that need no model: exporting probabilities back into the
 * source grid (transpose back, argmax, un-crop), the shipped pipelines' params, and
 * `${params.*}` in resources.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { loadPipeline, PipelineError } from '../../src/index.js';
import { probabilitiesToLabels, uncrop, type ExportGeometry } from '../../src/nnunet/inference/export.js';
import { ROOT } from '../helpers/build.js';

const geometry = (over: Partial<ExportGeometry>): ExportGeometry => ({
  id: 'c',
  spacing: [1, 1, 1],
  originalSpacing: [1, 1, 1],
  originalShape: [3, 4, 5],
  cropBbox: [[1, 3], [1, 3], [2, 5]],
  shapeAfterCropping: [2, 2, 3],
  transposeBackward: [0, 1, 2],
  geometry: { shape: [5, 4, 3], spacing: [1, 1, 1], affine: [], header: {} as never, datatype: 'uint8' },
  ...over,
});

describe('export of probabilities', () => {
  test('argmax per voxel and paste at the crop box (same grid: no resampling)', async () => {
    const g = geometry({});
    const n = 2 * 2 * 3;
    const probs = new Float32Array(3 * n);
    for (let i = 0; i < n; i++) probs[(i % 3) * n + i] = 0.9; // voxel i -> class i % 3
    const labels = await probabilitiesToLabels(probs, [3, 2, 2, 3], g, 1);
    expect(labels).toHaveLength(3 * 4 * 5);
    const at = (z: number, y: number, x: number) => labels[(z * 4 + y) * 5 + x];
    for (let z = 0; z < 2; z++) for (let y = 0; y < 2; y++) for (let x = 0; x < 3; x++) expect(at(z + 1, y + 1, x + 2)).toBe(((z * 2 + y) * 3 + x) % 3);
    expect(at(0, 0, 0)).toBe(0);
    expect(labels.reduce((a, b) => a + (b > 0 ? 1 : 0), 0)).toBe(8);
  });

  test('transposeBackward is applied before pasting', async () => {
    // predicted grid (x, y, z) order [3, 2, 2] -> source order [2, 2, 3]
    const g = geometry({ transposeBackward: [2, 1, 0], spacing: [1, 1, 1] });
    const n = 12;
    const probs = new Float32Array(2 * n);
    probs.fill(0.5, 0, n);
    probs[n + (2 * 2 + 1) * 2 + 0] = 1; // class 1 at predicted (a=2, b=1, c=0) -> source (z=0, y=1, x=2)
    const labels = await probabilitiesToLabels(probs, [2, 3, 2, 2], g, 1);
    expect(labels[((0 + 1) * 4 + (1 + 1)) * 5 + (2 + 2)]).toBe(1);
    expect(labels.reduce((a, b) => a + b, 0)).toBe(1);
  });

  test('a crop box outside the original shape is an error naming the case', () => {
    expect(() => uncrop(new Uint8Array(8), [2, 2, 2], geometry({ cropBbox: [[2, 4], [0, 2], [0, 2]] }))).toThrow(/case c: crop box/);
  });
});

describe('pipelines', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pipe-e2e-units-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('demo and task003 share stage ids and params', async () => {
    const demo = await loadPipeline(join(ROOT, 'pipelines', 'demo.yaml'));
    const ids = [...demo.stages.keys()];
    for (const id of ['synthesize', 'convert', 'plan', 'preprocess', 'train', 'validate', 'report']) expect(ids).toContain(id);
    for (const p of ['dataset', 'batch_size', 'devices', 'device', 'epochs']) expect(Object.keys(demo.params)).toContain(p);
    const err = await loadPipeline(join(ROOT, 'pipelines', 'task003_5fold.yaml')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PipelineError);
    expect((err as PipelineError).format()).toMatch(/stages\.convert\.with\.dataset[\s\S]*\$\{params\.dataset\}/);
  });

  test('resources take one ${params.*} reference, checked after --set', async () => {
    const file = join(dir, 'p.yaml');
    writeFileSync(file, 'params: {n: 1, kind: cpu}\nstages:\n  a:\n    run: "true"\n    resources: {devices: "${params.n}", device: "${params.kind}"}\n');
    expect((await loadPipeline(file)).stages.get('a' as never)?.resources).toMatchObject({ devices: 1, device: 'cpu' });
    expect((await loadPipeline(file, { overrides: ['params.n=2'] })).stages.get('a' as never)?.resources.devices).toBe(2);
    const bad = await loadPipeline(file, { overrides: ['params.kind=gpu'] }).catch((e: unknown) => e);
    expect((bad as PipelineError).format()).toMatch(/resources\.device: \$\{params\.kind\} is "gpu"; expected cpu, cuda or npu/);
  });
});

import { readdir, readFile, rm } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { synthesizeDecathlon, type SynthesizeResult } from '../../../src/nnunet/dataset/synthesize/synthesize.js';
import { readNifti, type NiftiVolume } from '../../../src/io/nifti/index.js';
import stage from '../../../src/nnunet/stages/synthesize-decathlon.js';
import { fakeContext } from '../../helpers/fake-context.js';
import { nibabelMissing, nibabelView } from '../../io/nifti/nibabel.js';
import { expectSameAsNibabel } from '../../io/nifti/compare.js';

const SMALL = { inPlaneSize: [28, 40] as [number, number], slices: [10, 16] as [number, number] };

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

describe('synthesize_decathlon', () => {
  let root = '';
  let first: SynthesizeResult;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'pipe-synth-'));
    first = await synthesizeDecathlon(join(root, 'a', 'Task03_Liver-like'), { cases: 6, testCases: 2, seed: 7, ...SMALL });
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test('writes the MSD layout and a dataset.json listing every file', async () => {
    const dir = first.dir;
    const json = JSON.parse(await readFile(join(dir, 'dataset.json'), 'utf8'));
    expect(json.modality).toEqual({ '0': 'CT' });
    expect(json.labels).toEqual({ '0': 'background', '1': 'liver', '2': 'cancer' });
    expect(json.numTraining).toBe(6);
    expect(json.numTest).toBe(2);
    expect(json.training[0]).toEqual({ image: './imagesTr/liver_0.nii.gz', label: './labelsTr/liver_0.nii.gz' });
    expect(json.test).toEqual(['./imagesTs/liver_6.nii.gz', './imagesTs/liver_7.nii.gz']);
    const files = (await listFiles(dir)).map((f) => f.slice(dir.length + 1));
    expect(files).toEqual(
      [
        'dataset.json',
        ...json.training.flatMap((c: { image: string; label: string }) => [c.image.slice(2), c.label.slice(2)]),
        ...json.test.map((t: string) => t.slice(2)),
      ].sort(),
    );
  });

  test('is deterministic for a seed and differs for another seed', async () => {
    const again = await synthesizeDecathlon(join(root, 'b', 'Task03_Liver-like'), { cases: 6, testCases: 2, seed: 7, ...SMALL });
    const other = await synthesizeDecathlon(join(root, 'c', 'Task03_Liver-like'), { cases: 6, testCases: 2, seed: 8, ...SMALL });
    const a = await listFiles(first.dir);
    const b = await listFiles(again.dir);
    expect(b.map((f) => f.replace('/b/', '/a/'))).toEqual(a);
    for (const [i, f] of a.entries()) expect((await readFile(b[i]!)).equals(await readFile(f)), f).toBe(true);
    const c = await listFiles(other.dir);
    const img = (x: string) => readFile(x.endsWith('liver_0.nii.gz') ? x : x);
    expect((await img(c.find((f) => f.includes('imagesTr/liver_0'))!)).equals(await img(a.find((f) => f.includes('imagesTr/liver_0'))!))).toBe(
      false,
    );
  });

  test('phantoms are CT-like, labelled 0/1/2 with liver and tumour, varied, and not separable by intensity', async () => {
    const shapes = new Set<string>();
    const centroids: number[][] = [];
    for (const c of first.training) {
      const image = await readNifti(join(first.dir, c.image));
      const label = await readNifti(join(first.dir, c.label!));
      expect(image.datatype).toBe('int16');
      expect(label.datatype).toBe('uint8');
      expect(label.shape).toEqual(image.shape);
      expect(label.affine).toEqual(image.affine);
      expect(image.affine[0]![0]).toBeLessThan(0); // MSD-like: negative x and y columns
      expect(image.affine[1]![1]).toBeLessThan(0);
      const [sx, sy, sz] = image.spacing as [number, number, number];
      expect(sx).toBe(sy);
      expect(sx).toBeGreaterThanOrEqual(0.7);
      expect(sx).toBeLessThanOrEqual(1.0);
      expect(sz).toBeGreaterThanOrEqual(1);
      expect(sz).toBeLessThanOrEqual(5);
      shapes.add(image.shape.join('x'));
      const stats = caseStats(image, label);
      expect(stats.counts[1], `${c.id} liver voxels`).toBeGreaterThan(50);
      expect(stats.counts[2], `${c.id} tumour voxels`).toBeGreaterThan(0);
      expect(stats.counts.length, `${c.id} label values`).toBe(3);
      expect(stats.minHu).toBeGreaterThanOrEqual(-1024); // air outside the body
      expect(stats.minHu).toBeLessThan(-900);
      expect(stats.tumourMedian, `${c.id} tumour darker than liver`).toBeLessThan(stats.liverMedian);
      // Intensity alone is not enough: many non-liver voxels fall in the liver's 5-95 percentile HU band.
      expect(stats.impostors, `${c.id} non-liver voxels with liver-like HU`).toBeGreaterThan(0.2 * stats.counts[1]!);
      centroids.push(stats.liverCentroid);
    }
    expect(shapes.size).toBeGreaterThan(3);
    const xs = centroids.map((c) => c[0]!);
    expect(Math.max(...xs) - Math.min(...xs)).toBeGreaterThan(0.02);
  });

  test.skipIf(nibabelMissing !== undefined)('nibabel reads the phantoms as we do: int16/uint8, MSD-like qform/sform', async () => {
    const c = first.training[1]!;
    const files = [join(first.dir, c.image), join(first.dir, c.label!)];
    const views = await nibabelView(files, root);
    for (const [i, f] of files.entries()) {
      expectSameAsNibabel(await readNifti(f), views[i]!, f);
      expect(views[i]!.qformCode).toBe(1);
      expect(views[i]!.sformCode).toBe(1);
      expect(views[i]!.affine[0]![0]).toBeLessThan(0);
      expect(views[i]!.affine[1]![1]).toBeLessThan(0);
    }
    expect(views.map((v) => v.dtype)).toEqual(['int16', 'uint8']);
  });

  test('channels: 2 writes 4D images with two modalities', async () => {
    const r = await synthesizeDecathlon(join(root, 'd', 'Task05_Multi'), { cases: 1, testCases: 1, channels: 2, ...SMALL });
    const json = JSON.parse(await readFile(join(r.dir, 'dataset.json'), 'utf8'));
    expect(json.modality).toEqual({ '0': 'CT', '1': 'CT-late' });
    const image = await readNifti(join(r.dir, r.training[0]!.image));
    expect(image.shape).toEqual([...r.training[0]!.shape, 2]);
  });

  test('bad options are refused with the field named', async () => {
    await expect(synthesizeDecathlon(join(root, 'e'), { slices: [10, 5] })).rejects.toThrow(/for slices but received \[10,5\]/);
    await expect(synthesizeDecathlon(join(root, 'e'), { cases: -1 })).rejects.toThrow(/for cases/);
  });

  test('the stage writes <out>/<name>/ and reports per-case progress', async () => {
    const ctx = await fakeContext('synthesize_decathlon', {
      cases: 2,
      test_cases: 1,
      seed: 3,
      name: 'Task03_Liver-like',
      in_plane_size: [24, 28],
      slices: [8, 10],
    });
    await stage.run(ctx);
    const json = JSON.parse(await readFile(join(ctx.out, 'Task03_Liver-like', 'dataset.json'), 'utf8'));
    expect(json.name).toBe('Liver-like');
    expect(ctx.progressCalls.map((p) => p.done)).toEqual([1, 2, 3]);
    expect(ctx.progressCalls.every((p) => p.unit === 'case' && p.total === 3)).toBe(true);
    expect(ctx.metricsCalls.at(-1)).toMatchObject({ cases: 2, testCases: 1 });
  });
});

function caseStats(image: NiftiVolume, label: NiftiVolume) {
  const img = image.data as Int16Array;
  const lab = label.data as Uint8Array;
  const [nx, ny] = image.shape as [number, number, number];
  const counts = [0, 0, 0];
  const liverHu: number[] = [];
  const tumourHu: number[] = [];
  let minHu = Infinity;
  const centroid = [0, 0, 0];
  for (let n = 0; n < lab.length; n++) {
    const l = lab[n]!;
    counts[l] = (counts[l] ?? 0) + 1;
    minHu = Math.min(minHu, img[n]!);
    if (l === 1) {
      liverHu.push(img[n]!);
      centroid[0]! += (n % nx) / nx;
      centroid[1]! += (Math.floor(n / nx) % ny) / ny;
    }
    if (l === 2) tumourHu.push(img[n]!);
  }
  liverHu.sort((a, b) => a - b);
  const lo = percentile(liverHu, 0.05);
  const hi = percentile(liverHu, 0.95);
  let impostors = 0;
  for (let n = 0; n < lab.length; n++) if (lab[n] === 0 && img[n]! >= lo && img[n]! <= hi) impostors++;
  return {
    counts,
    minHu,
    liverMedian: percentile(liverHu, 0.5),
    tumourMedian: percentile(tumourHu.sort((a, b) => a - b), 0.5),
    impostors,
    liverCentroid: centroid.map((c) => c / liverHu.length),
  };
}

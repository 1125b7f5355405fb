import { cp, mkdtemp, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConvertedDataset, readCase } from '../../../src/nnunet/dataset/decathlon/index.js';
import { synthesizeDecathlon } from '../../../src/nnunet/dataset/synthesize/synthesize.js';
import { geometryFromAffine, readNifti, writeNifti } from '../../../src/io/nifti/index.js';
import stage from '../../../src/nnunet/stages/convert-decathlon.js';
import { fakeContext } from '../../helpers/fake-context.js';

const SMALL = { inPlaneSize: [24, 32] as [number, number], slices: [8, 12] as [number, number] };

let root = '';
let pristine = '';
let pristine4d = '';
let counter = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pipe-convert-'));
  pristine = (await synthesizeDecathlon(join(root, 'src', 'Task03_Liver'), { cases: 4, testCases: 1, seed: 11, ...SMALL })).dir;
  pristine4d = (await synthesizeDecathlon(join(root, 'src4d', 'Task05_Multi'), { cases: 2, testCases: 1, seed: 5, channels: 2, ...SMALL }))
    .dir;
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A fresh copy of a task to damage. */
async function copyTask(from = pristine): Promise<string> {
  const dir = join(root, `case${counter++}`, from.split('/').pop()!);
  await cp(from, dir, { recursive: true });
  return dir;
}

async function listAll(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String).sort();
}

/** Runs the stage on `dir` and returns its error message (failing the test when it succeeds). */
async function failure(dir: string, withParams: Record<string, unknown> = {}): Promise<string> {
  const before = await listAll(dir);
  const ctx = await fakeContext('convert_decathlon', { dataset: dir, ...withParams }, { root: join(dir, '..') });
  const error = await stage.run(ctx).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(error, `convert of ${dir} should fail`).toBeInstanceOf(Error);
  expect(await listAll(dir), 'the input folder is never changed').toEqual(before);
  expect(await readdir(ctx.out), 'no manifest written on failure').not.toContain('cases.json');
  return error!.message;
}

async function rewrite(file: string, change: (v: Awaited<ReturnType<typeof readNifti>>) => Parameters<typeof writeNifti>[1]) {
  const v = await readNifti(file);
  await writeNifti(file, change(v));
}

describe('convert_decathlon on a good task', () => {
  test('references single-channel files, writes dataset.json + cases.json, reports progress', async () => {
    const ctx = await fakeContext('convert_decathlon', { dataset: pristine, verify: true });
    expect(stage.inputs?.({ dataset: 'rel/Task03', verify: true, workers: 2 }, '/proj')).toEqual(['/proj/rel/Task03']);
    await stage.run(ctx);
    expect((await readdir(ctx.out)).sort()).toEqual(['cases.json', 'dataset.json']);
    const loaded = await loadConvertedDataset(ctx.out);
    expect(loaded.verified).toBe(true);
    expect(loaded.training.map((c) => c.id)).toEqual(['liver_0', 'liver_1', 'liver_2', 'liver_3']);
    expect(loaded.test.map((c) => c.id)).toEqual(['liver_4']);
    const c0 = loaded.training[0]!;
    expect(c0.images).toEqual([join(pristine, 'imagesTr', 'liver_0.nii.gz')]);
    expect(c0.label).toBe(join(pristine, 'labelsTr', 'liver_0.nii.gz'));
    const img = await readNifti(c0.images[0]!);
    expect(c0.shape).toEqual(img.shape);
    expect(c0.spacing).toEqual(img.spacing);
    expect(c0.axisCodes).toBe('LPS');
    expect(c0.labelValues).toEqual([0, 1, 2]);
    expect(loaded.dataset.modality).toEqual({ '0': 'CT' });
    expect(loaded.dataset.numTraining).toBe(4);
    expect(ctx.progressCalls).toHaveLength(5);
    expect(ctx.progressCalls.at(-1)).toMatchObject({ done: 5, total: 5, unit: 'case' });
    expect(ctx.logs.at(-1)).toBe('Dataset OK');
    const volumes = await readCase(c0);
    expect(volumes.images[0]!.data).toEqual(img.data);
    expect(volumes.label!.datatype).toBe('uint8');
  });

  test('splits 4D multi-modal images into per-channel files with the same geometry', async () => {
    const ctx = await fakeContext('convert_decathlon', { dataset: pristine4d });
    await stage.run(ctx);
    const loaded = await loadConvertedDataset(ctx.out);
    const c = loaded.training[0]!;
    expect(c.images).toEqual([0, 1].map((i) => join(ctx.out, 'imagesTr', `${c.id}_000${i}.nii.gz`)));
    expect(loaded.test[0]!.images[1]).toBe(join(ctx.out, 'imagesTs', `${loaded.test[0]!.id}_0001.nii.gz`));
    const source = await readNifti(join(pristine4d, 'imagesTr', `${c.id}.nii.gz`));
    const n = source.shape[0]! * source.shape[1]! * source.shape[2]!;
    for (const ch of [0, 1]) {
      const part = await readNifti(c.images[ch]!);
      expect(part.shape).toEqual(source.shape.slice(0, 3));
      expect(part.affine).toEqual(source.affine);
      expect(part.header).toEqual(source.header);
      expect(Array.from(part.data as Int16Array)).toEqual(Array.from((source.data as Int16Array).subarray(ch * n, (ch + 1) * n)));
    }
    expect(ctx.metricsCalls.at(-1)).toMatchObject({ splitFiles: 6, channels: 2 });
  });

  test('a killed run resumes case by case: finished cases are not checked again', async () => {
    const dir = await copyTask(pristine4d);
    const base = join(dir, '..');
    const abort = new AbortController();
    const first = await fakeContext('convert_decathlon', { dataset: dir, workers: 1 }, { root: base, signal: abort.signal });
    first.report.progress = (p) => {
      if (p.done === 2) abort.abort(new Error('killed'));
    };
    await expect(stage.run(first)).rejects.toThrow(/killed/);
    const second = await fakeContext('convert_decathlon', { dataset: dir, workers: 1 }, { root: base, resume: true });
    await stage.run(second);
    expect(second.metricsCalls.at(-1)).toMatchObject({ resumedCases: 2, splitFiles: 6 });
    const fresh = await fakeContext('convert_decathlon', { dataset: dir, workers: 1 });
    await stage.run(fresh);
    expect(fresh.metricsCalls.at(-1)).toMatchObject({ resumedCases: 0 });
    const strip = (c: object) => JSON.stringify(c).replaceAll(second.out, '').replaceAll(fresh.out, '');
    const a = await loadConvertedDataset(second.out);
    const b = await loadConvertedDataset(fresh.out);
    expect(strip(a)).toEqual(strip(b));
    for (const [i, c] of a.training.entries()) {
      for (const [j, f] of c.images.entries()) expect((await readFile(f)).equals(await readFile(b.training[i]!.images[j]!))).toBe(true);
    }
  });

  test('ignores macOS ._ files without deleting them, and accepts nnU-Net-style _0000 channel files', async () => {
    const dir = await copyTask();
    await writeFile(join(dir, 'imagesTr', '._liver_0.nii.gz'), 'AppleDouble junk');
    await writeFile(join(dir, 'labelsTr', '._liver_0.nii.gz'), 'AppleDouble junk');
    await cp(join(dir, 'imagesTr', 'liver_1.nii.gz'), join(dir, 'imagesTr', 'liver_1_0000.nii.gz'));
    await unlink(join(dir, 'imagesTr', 'liver_1.nii.gz'));
    const ctx = await fakeContext('convert_decathlon', { dataset: dir, verify: false });
    await stage.run(ctx);
    const loaded = await loadConvertedDataset(ctx.out);
    expect(loaded.verified).toBe(false);
    expect(loaded.training[1]!.images).toEqual([join(dir, 'imagesTr', 'liver_1_0000.nii.gz')]);
    expect(await readdir(join(dir, 'imagesTr'))).toContain('._liver_0.nii.gz');
  });

  test('finds the task written by an upstream synthesize_decathlon stage', async () => {
    const ctx = await fakeContext('convert_decathlon', { verify: false }, {
      needs: [{ stage: 'demo', id: 'demo', kind: 'synthesize_decathlon', key: 'k', out: join(pristine, '..'), matrix: {} }],
    });
    await stage.run(ctx);
    expect((await loadConvertedDataset(ctx.out)).dataset.source).toBe(pristine);
  });
});

describe('convert_decathlon on bad input: one specific error per problem, naming the case', () => {
  test('corrupt gzip in an image', async () => {
    const dir = await copyTask();
    const file = join(dir, 'imagesTr', 'liver_1.nii.gz');
    const bytes = await readFile(file);
    bytes.fill(0x5a, 100, 180);
    await writeFile(file, bytes);
    expect(await failure(dir)).toMatch(/liver_1: image imagesTr\/liver_1\.nii\.gz: corrupt gzip data/);
  });

  test('truncated label file', async () => {
    const dir = await copyTask();
    const file = join(dir, 'labelsTr', 'liver_2.nii.gz');
    const bytes = await readFile(file);
    await writeFile(file, bytes.subarray(0, bytes.length - 40));
    expect(await failure(dir)).toMatch(/liver_2: label labelsTr\/liver_2\.nii\.gz: truncated gzip stream/);
  });

  test('truncated image (header promises more voxels than the file has)', async () => {
    const dir = await copyTask();
    const file = join(dir, 'imagesTr', 'liver_0.nii.gz');
    const v = await readNifti(file);
    await writeNifti(file.replace('.gz', ''), { ...v });
    const plain = await readFile(file.replace('.gz', ''));
    await unlink(file.replace('.gz', ''));
    const { gzipSync } = await import('node:zlib');
    await writeFile(file, gzipSync(plain.subarray(0, plain.length - 500)));
    expect(await failure(dir)).toMatch(/liver_0: image imagesTr\/liver_0\.nii\.gz: header\/data size mismatch: the header promises/);
  });

  // A header claiming 32767³ int16 voxels over 128×128×24 of data: a broken file, reported as such (file named,
  // bytes promised vs held) before any memory estimate, whether or not voxels are verified, gzip or not (dataset.json
  // must list .nii.gz: the uncompressed variant is plain NIfTI bytes under that name, which the reader accepts).
  for (const [name, gzip, verify] of [
    ['gzip, verify', true, true],
    ['gzip, no verify', true, false],
    ['uncompressed, verify', false, true],
    ['uncompressed, no verify', false, false],
  ] as const) {
    test(`header claiming 32767³ voxels over 128×128×24 of data (${name}): size mismatch, not memory`, async () => {
      const dir = await copyTask();
      const listed = join(dir, 'imagesTr', 'liver_0.nii.gz');
      const v = await readNifti(listed);
      const data = new Int16Array(128 * 128 * 24).map((_, i) => i % 1000);
      const scratch = join(dir, '..', 'scratch.nii');
      await writeNifti(scratch, { ...v, shape: [128, 128, 24], data });
      const bytes = await readFile(scratch);
      await unlink(scratch);
      for (const d of [1, 2, 3]) bytes.writeInt16LE(32767, 40 + 2 * d); // dim[1..3]
      const { gzipSync } = await import('node:zlib');
      await writeFile(listed, gzip ? gzipSync(bytes) : bytes);
      const message = await failure(dir, { verify });
      const promised = 32767 ** 3 * 2;
      const held = 128 * 128 * 24 * 2;
      expect(message).toContain(
        `liver_0: image imagesTr/liver_0.nii.gz: header/data size mismatch: the header promises ${promised} bytes of ` +
          `voxels (shape [32767, 32767, 32767] int16) but the file holds ${held} after vox_offset 352`,
      );
      expect(message).not.toMatch(/memory_gb/);
    });
  }

  test('label geometry that does not match the image (spacing/origin, and size)', async () => {
    const dir = await copyTask();
    await rewrite(join(dir, 'labelsTr', 'liver_0.nii.gz'), (v) => {
      const moved = v.affine.map((r) => [...r]);
      moved[2]![2] = moved[2]![2]! * 1.5;
      moved[0]![3] = moved[0]![3]! + 3;
      const { geometry, spacing } = geometryFromAffine(moved);
      return { ...v, spacing, header: geometry };
    });
    await rewrite(join(dir, 'labelsTr', 'liver_3.nii.gz'), (v) => {
      const [x, y, z] = v.shape as [number, number, number];
      return { ...v, shape: [x, y, z - 1], data: (v.data as Uint8Array).subarray(0, x * y * (z - 1)) };
    });
    const message = await failure(dir);
    expect(message).toMatch(/liver_0: geometry mismatch between image channel 0 and label: spacing .*; origin /);
    expect(message).toMatch(/liver_3: geometry mismatch between image channel 0 and label: size \[\d+, \d+, (\d+)\] \(channel 0\) vs/);
  });

  test('a label value that dataset.json does not declare', async () => {
    const dir = await copyTask();
    await rewrite(join(dir, 'labelsTr', 'liver_3.nii.gz'), (v) => {
      const data = Uint8Array.from(v.data as Uint8Array);
      data[5] = 3;
      data[6] = 7;
      return { ...v, data };
    });
    expect(await failure(dir)).toMatch(
      /liver_3: label labelsTr\/liver_3\.nii\.gz holds undeclared value\(s\) \[3, 7\]; dataset.json declares 0 background, 1 liver, 2 cancer/,
    );
  });

  test('a file listed in dataset.json that is missing', async () => {
    const dir = await copyTask();
    await unlink(join(dir, 'imagesTr', 'liver_2.nii.gz'));
    await unlink(join(dir, 'imagesTs', 'liver_4.nii.gz'));
    const message = await failure(dir, { verify: false });
    expect(message).toMatch(/liver_2: image imagesTr\/liver_2\.nii\.gz listed in dataset.json does not exist/);
    expect(message).toMatch(/liver_4: image imagesTs\/liver_4\.nii\.gz listed in dataset.json does not exist/);
  });

  test('NaN voxels in an image and in a label', async () => {
    const dir = await copyTask();
    await rewrite(join(dir, 'imagesTr', 'liver_1.nii.gz'), (v) => {
      const data = Float32Array.from(v.data as Int16Array);
      data[10] = Number.NaN;
      return { ...v, data };
    });
    await rewrite(join(dir, 'labelsTr', 'liver_2.nii.gz'), (v) => {
      const data = Float32Array.from(v.data as Uint8Array);
      data[3] = Number.NaN;
      return { ...v, data };
    });
    const message = await failure(dir);
    expect(message).toMatch(/liver_1: image imagesTr\/liver_1\.nii\.gz: 1 of \d+ voxels are NaN or infinite/);
    expect(message).toMatch(/liver_2: label labelsTr\/liver_2\.nii\.gz: 1 of \d+ voxels are NaN or infinite/);
  });

  test('an empty image (all voxels 0)', async () => {
    const dir = await copyTask();
    await rewrite(join(dir, 'imagesTr', 'liver_3.nii.gz'), (v) => ({ ...v, data: new Int16Array(v.data.length) }));
    expect(await failure(dir)).toMatch(/liver_3: image imagesTr\/liver_3\.nii\.gz is empty: all \d+ voxels are 0/);
  });

  test('an unknown datatype', async () => {
    const dir = await copyTask();
    const file = join(dir, 'imagesTr', 'liver_0.nii.gz');
    const { gunzipSync, gzipSync } = await import('node:zlib');
    const plain = gunzipSync(await readFile(file));
    plain.writeInt16LE(128, 70); // RGB24
    await writeFile(file, gzipSync(plain));
    expect(await failure(dir, { verify: false })).toMatch(
      /liver_0: image imagesTr\/liver_0\.nii\.gz: unknown datatype: datatype code 128 \(rgb24\) is not supported/,
    );
  });

  test('a bad dataset.json: invalid JSON, missing/ill-typed fields, duplicates', async () => {
    const dir = await copyTask();
    const jsonPath = join(dir, 'dataset.json');
    const original = JSON.parse(await readFile(jsonPath, 'utf8'));
    await writeFile(jsonPath, '{"name": "x",');
    expect(await failure(dir)).toMatch(/dataset\.json is not valid JSON/);
    const broken = { ...original, labels: undefined, modality: { '1': 'CT' }, training: [...original.training, original.training[0], { image: 5 }] };
    await writeFile(jsonPath, JSON.stringify(broken));
    const message = await failure(dir);
    expect(message).toMatch(/dataset\.json: labels: expected an object like \{"0": "..."\} but received nothing/);
    expect(message).toMatch(/dataset\.json: modality: expected keys 0\.\.0 but received \["1"\]/);
    expect(message).toMatch(/dataset\.json: training\[4\]: duplicate case id liver_0 \(also training\[0\]\)/);
    expect(message).toMatch(/dataset\.json: training\[5\]\.image: expected a path ending in \.nii\.gz but received 5 \(number\)/);
  });

  test('a straggler file not listed in dataset.json', async () => {
    const dir = await copyTask();
    await cp(join(dir, 'imagesTr', 'liver_0.nii.gz'), join(dir, 'imagesTr', 'liver_99.nii.gz'));
    await cp(join(dir, 'labelsTr', 'liver_0.nii.gz'), join(dir, 'labelsTr', 'liver_0 copy.nii.gz'));
    const message = await failure(dir, { verify: false });
    expect(message).toMatch(/straggler: imagesTr\/liver_99\.nii\.gz is not listed in dataset.json/);
    expect(message).toMatch(/straggler: labelsTr\/liver_0 copy\.nii\.gz is not listed/);
  });

  test('a missing labelsTr folder, and a task folder that does not exist', async () => {
    const dir = await copyTask();
    await rm(join(dir, 'labelsTr'), { recursive: true });
    expect(await failure(dir)).toMatch(/labelsTr\/ is missing/);
    const ctx = await fakeContext('convert_decathlon', { dataset: join(root, 'nowhere', 'Task09_X') });
    await expect(stage.run(ctx)).rejects.toThrow(/Task09_X:\n {2}- the task folder does not exist/);
  });

  test('a 3D image where dataset.json declares two modalities', async () => {
    const dir = await copyTask();
    const jsonPath = join(dir, 'dataset.json');
    const json = JSON.parse(await readFile(jsonPath, 'utf8'));
    json.modality = { '0': 'CT', '1': 'PET' };
    await writeFile(jsonPath, JSON.stringify(json));
    expect(await failure(dir)).toMatch(/liver_0: image imagesTr\/liver_0\.nii\.gz has 1 channel\(s\) but dataset.json declares 2 modalities/);
  });

  test('a case too large for memory_gb is refused by name instead of exhausting RAM', async () => {
    const dir = await copyTask();
    const message = await failure(dir, { memory_gb: 1e-5 });
    expect(message).toMatch(/liver_0: needs about 0\.00 GB of voxel memory to check, more than memory_gb \(0\.00 GB\); raise memory_gb/);
    const ok = await fakeContext('convert_decathlon', { dataset: dir, memory_gb: 0.001, workers: 4 });
    await stage.run(ok); // every case fits alone: they queue for the budget instead
    expect(ok.metricsCalls.at(-1)).toMatchObject({ trainingCases: 4 });
  });

  test('every bad case is reported in one message', async () => {
    const dir = await copyTask();
    await unlink(join(dir, 'labelsTr', 'liver_0.nii.gz'));
    await rewrite(join(dir, 'imagesTr', 'liver_2.nii.gz'), (v) => ({ ...v, data: new Int16Array(v.data.length) }));
    await rewrite(join(dir, 'labelsTr', 'liver_3.nii.gz'), (v) => {
      const data = Uint8Array.from(v.data as Uint8Array);
      data[0] = 9;
      return { ...v, data };
    });
    const message = await failure(dir);
    expect(message).toMatch(/^3 problems in .*Task03_Liver:\n/);
    expect(message).toContain('liver_0: label labelsTr/liver_0.nii.gz listed in dataset.json does not exist');
    expect(message).toContain('liver_2: image imagesTr/liver_2.nii.gz is empty');
    expect(message).toContain('liver_3: label labelsTr/liver_3.nii.gz holds undeclared value(s) [9]');
  });
});

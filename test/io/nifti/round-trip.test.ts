import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { geometryFromAffine, readNifti, writeNifti, type VoxelArray } from '../../../src/io/nifti/index.js';
import { expectSameAsNibabel } from './compare.js';
import { nibabelMissing, nibabelView, python } from './nibabel.js';

/** An MSD-like affine: negative x/y, anisotropic slices, a translation. */
const MSD_AFFINE = [
  [-0.703125, 0, 0, 172.8],
  [0, -0.703125, 0, 179.3],
  [0, 0, 5, -368],
  [0, 0, 0, 1],
];

const SHAPE = [5, 4, 3];

function ramp<T extends VoxelArray>(make: (n: number) => T, f: (i: number) => number | bigint): T {
  const a = make(SHAPE.reduce((x, y) => x * y, 1));
  for (let i = 0; i < a.length; i++) (a as unknown as (number | bigint)[])[i] = f(i);
  return a;
}

const ARRAYS: Record<string, VoxelArray> = {
  uint8: ramp((n) => new Uint8Array(n), (i) => (i * 7) % 256),
  int8: ramp((n) => new Int8Array(n), (i) => ((i * 7) % 256) - 128),
  int16: ramp((n) => new Int16Array(n), (i) => i * 997 - 30000),
  uint16: ramp((n) => new Uint16Array(n), (i) => i * 1097),
  int32: ramp((n) => new Int32Array(n), (i) => i * 35_791_394 - 2_000_000_000),
  uint32: ramp((n) => new Uint32Array(n), (i) => i * 71_582_788),
  int64: ramp((n) => new BigInt64Array(n), (i) => BigInt(i) * 1_000_000_007n - 30_000_000_000n),
  float32: ramp((n) => new Float32Array(n), (i) => Math.fround(Math.sin(i) * 1e3)),
  float64: ramp((n) => new Float64Array(n), (i) => Math.cos(i) * 1e-3 + i),
};

describe.skipIf(nibabelMissing !== undefined)('NIfTI round trips through nibabel', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pipe-nifti-rt-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('files we write open in nibabel with the same affine, shape, dtype, voxels and header codes', async () => {
    const { geometry, spacing } = geometryFromAffine(MSD_AFFINE, { description: 'pipe round trip' });
    const files: string[] = [];
    for (const [name, data] of Object.entries(ARRAYS)) {
      for (const ext of ['.nii', '.nii.gz']) {
        const file = join(dir, `ours_${name}${ext}`);
        await writeNifti(file, { shape: SHAPE, spacing, data, header: geometry });
        files.push(file);
      }
    }
    const views = await nibabelView(files, dir);
    for (const [i, file] of files.entries()) {
      const view = views[i]!;
      const name = /ours_(\w+)\./.exec(file)![1]!;
      expect(view.dtype, file).toBe(name);
      expect(view.shape, file).toEqual(SHAPE);
      expect(view.qformCode).toBe(1);
      expect(view.sformCode).toBe(1);
      for (let r = 0; r < 4; r++) {
        for (let c = 0; c < 4; c++) expect(view.affine[r]![c]!, `${file} affine`).toBeCloseTo(MSD_AFFINE[r]![c]!, 4);
      }
      const data = ARRAYS[name]!;
      for (let v = 0; v < data.length; v++) expect(view.data[v], `${file} voxel ${v}`).toBeCloseTo(Number(data[v]), 3);
      // And our own reader gives back exactly what we wrote.
      const back = await readNifti(file);
      expect(back.datatype).toBe(name);
      expect(back.header).toEqual({ ...geometry, quatern: back.header.quatern, srow: back.header.srow });
      expect(back.header.description).toBe('pipe round trip');
      expect(Array.from(back.data as ArrayLike<number | bigint>)).toEqual(Array.from(data as ArrayLike<number | bigint>));
      expectSameAsNibabel(back, view, file);
    }
  });

  test('files nibabel writes (every dtype, scaled, NIfTI-2, big-endian, qform-only, no transform) read the same', async () => {
    python(
      `
import sys, numpy as np, nibabel as nib
d = sys.argv[1]
aff = np.array(${JSON.stringify(MSD_AFFINE)})
shape = (6, 5, 4)
base = np.arange(np.prod(shape)).reshape(shape)
for dt in ['uint8', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float32', 'float64']:
    a = (base * 3).astype(dt)
    nib.save(nib.Nifti1Image(a, aff, dtype=dt) if dt == 'int64' else nib.Nifti1Image(a, aff), '%s/nib_%s.nii.gz' % (d, dt))
scaled = nib.Nifti1Image(base * 13.37 - 1000.25, aff)
scaled.set_data_dtype(np.int16)
nib.save(scaled, d + '/nib_scaled.nii.gz')
be = nib.Nifti2Image(base.astype('>f4') / 7, aff)
nib.save(be, d + '/nib_nifti2_be.nii')
q = nib.Nifti1Image(base.astype(np.int16), aff)
q.set_sform(None, code=0)
q.set_qform(aff, code=1)
nib.save(q, d + '/nib_qform_only.nii')
z = nib.Nifti1Image(base.astype(np.int16), aff)
z.set_sform(None, code=0)
z.set_qform(None, code=0)
nib.save(z, d + '/nib_no_transform.nii.gz')
`,
      [dir],
    );
    const names = ['uint8', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float32', 'float64'].map(
      (n) => `nib_${n}.nii.gz`,
    );
    names.push('nib_scaled.nii.gz', 'nib_nifti2_be.nii', 'nib_qform_only.nii', 'nib_no_transform.nii.gz');
    const files = names.map((n) => join(dir, n));
    const views = await nibabelView(files, dir);
    for (const [i, file] of files.entries()) {
      const ours = await readNifti(file);
      expectSameAsNibabel(ours, views[i]!, file);
    }
    const scaled = await readNifti(join(dir, 'nib_scaled.nii.gz'));
    expect(scaled.datatype).toBe('int16');
    expect(scaled.data).toBeInstanceOf(Float32Array);
    const nifti2 = await readNifti(join(dir, 'nib_nifti2_be.nii'));
    expect(nifti2.header.version).toBe(2);
  });

  test('an oblique affine (rotation + flip) survives geometryFromAffine -> write -> nibabel', async () => {
    const a = (20 * Math.PI) / 180;
    const [c, s] = [Math.cos(a), Math.sin(a)];
    const spacing = [0.8, 0.9, 3];
    // columns: rotated x/y axes (about z), z axis flipped -> improper, so qfac must be -1
    const affine = [
      [c * spacing[0]!, -s * spacing[1]!, 0, -12.5],
      [s * spacing[0]!, c * spacing[1]!, 0, 40.25],
      [0, 0, -spacing[2]!, 88],
      [0, 0, 0, 1],
    ];
    const { geometry, spacing: sp } = geometryFromAffine(affine, { sformCode: 0, qformCode: 1 });
    expect(geometry.qfac).toBe(-1);
    sp.forEach((v, i) => expect(v).toBeCloseTo(spacing[i]!, 10));
    const file = join(dir, 'oblique.nii.gz');
    await writeNifti(file, { shape: SHAPE, spacing: sp, data: ARRAYS.int16!, header: geometry });
    const [view] = await nibabelView([file], dir);
    expect(view!.sformCode).toBe(0);
    expect(view!.pixdim0).toBe(-1);
    for (let r = 0; r < 4; r++) {
      for (let k = 0; k < 4; k++) expect(view!.affine[r]![k]!, `affine[${r}][${k}]`).toBeCloseTo(affine[r]![k]!, 5);
    }
    const ours = await readNifti(file);
    expectSameAsNibabel(ours, view!, file);
  });

  test('geometry read from a file is written back unchanged (qfac -1, codes 2, quaternion, srow)', async () => {
    const source = '/usr/lib/python3/dist-packages/nibabel/tests/data/anatomical.nii';
    const vol = await readNifti(source);
    const out = join(dir, 'copy_anatomical.nii.gz');
    await writeNifti(out, vol);
    const [theirs, ours] = await nibabelView([source, out], dir);
    expect(ours!.qformCode).toBe(theirs!.qformCode);
    expect(ours!.sformCode).toBe(theirs!.sformCode);
    expect(ours!.pixdim0).toBe(-1);
    expect(ours!.quatern).toEqual(theirs!.quatern);
    expect(ours!.srow).toEqual(theirs!.srow);
    expect(ours!.affine).toEqual(theirs!.affine);
    expect(Array.from(ours!.data)).toEqual(Array.from(theirs!.data));
  });
});

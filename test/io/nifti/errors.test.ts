import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  assertFiniteVoxels,
  geometryFromAffine,
  NiftiError,
  readNifti,
  readNiftiHeader,
  writeNifti,
} from '../../../src/io/nifti/index.js';

const { geometry, spacing } = geometryFromAffine([
  [-0.8, 0, 0, 10],
  [0, -0.8, 0, 20],
  [0, 0, 2.5, -30],
  [0, 0, 0, 1],
]);

describe('corrupt NIfTI input gives an error naming the file and the problem', () => {
  let dir = '';
  let plain: Buffer;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pipe-nifti-bad-'));
    const data = new Int16Array(40 * 30 * 20).map((_, i) => (i * 31) % 2000);
    await writeNifti(join(dir, 'good.nii'), { shape: [40, 30, 20], spacing, data, header: geometry });
    plain = await readFile(join(dir, 'good.nii'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function expectProblem(name: string, bytes: Buffer, problem: RegExp): Promise<void> {
    const file = join(dir, name);
    await writeFile(file, bytes);
    const error = await readNifti(file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, `${name} should fail`).toBeInstanceOf(NiftiError);
    expect((error as NiftiError).file).toBe(file);
    expect((error as Error).message).toContain(file);
    expect((error as NiftiError).problem).toMatch(problem);
  }

  test('truncated gzip', async () => {
    const gz = gzipSync(plain);
    await expectProblem('cut.nii.gz', gz.subarray(0, Math.floor(gz.length / 2)), /truncated gzip stream/);
  });

  test('corrupt gzip (bytes overwritten in the deflate stream)', async () => {
    const gz = Buffer.from(gzipSync(plain));
    gz.fill(0xa5, 200, 260);
    await expectProblem('flipped.nii.gz', gz, /corrupt gzip data/);
  });

  test('header promising more voxels than the gzip holds', async () => {
    const grown = Buffer.from(plain);
    grown.writeInt16LE(21, 46); // dim[3]: 20 -> 21
    await expectProblem('short.nii.gz', gzipSync(grown), /header\/data size mismatch: the header promises 50400 bytes .* holds 48000/);
  });

  test('a header claiming 32767³ voxels over 128×128×24 of data: a size mismatch (.nii and .nii.gz), even header-only', async () => {
    const scratch = join(dir, 'small.nii');
    await writeNifti(scratch, { shape: [128, 128, 24], spacing, data: new Int16Array(128 * 128 * 24), header: geometry });
    const huge = await readFile(scratch);
    for (const d of [1, 2, 3]) huge.writeInt16LE(32767, 40 + 2 * d);
    const problem = new RegExp(
      `header/data size mismatch: the header promises ${32767 ** 3 * 2} bytes of voxels \\(shape \\[32767, 32767, 32767\\] int16\\) ` +
        `but the file holds ${128 * 128 * 24 * 2} after vox_offset 352`,
    );
    await expectProblem('huge.nii', huge, problem);
    await expectProblem('huge.nii.gz', gzipSync(huge), problem);
    // The header alone is readable (status, planning); with checkDataSize the mismatch comes before any estimate.
    expect((await readNiftiHeader(join(dir, 'huge.nii.gz'))).shape).toEqual([32767, 32767, 32767]);
    for (const name of ['huge.nii', 'huge.nii.gz']) {
      await expect(readNiftiHeader(join(dir, name), { checkDataSize: true })).rejects.toThrow(problem);
    }
    // A consistent file passes the check, gzip or not.
    await writeFile(join(dir, 'good.nii.gz'), gzipSync(plain));
    for (const name of ['good.nii', 'good.nii.gz']) {
      expect((await readNiftiHeader(join(dir, name), { checkDataSize: true })).shape).toEqual([40, 30, 20]);
    }
  });

  test('truncated uncompressed file', async () => {
    await expectProblem('short.nii', plain.subarray(0, plain.length - 100), /header\/data size mismatch: .* holds 47900/);
  });

  test('unknown and unsupported datatype codes', async () => {
    const complex = Buffer.from(plain);
    complex.writeInt16LE(32, 70);
    await expectProblem('complex.nii', complex, /unknown datatype: datatype code 32 \(complex64\) is not supported/);
    const garbage = Buffer.from(plain);
    garbage.writeInt16LE(999, 70);
    await expectProblem('garbage.nii.gz', gzipSync(garbage), /datatype code 999 is not a NIfTI datatype/);
  });

  test('not a NIfTI file (text, empty, gzip of text, bad dims)', async () => {
    await expectProblem('text.nii', Buffer.from('hello, this is not an image at all'.repeat(20)), /not a NIfTI file/);
    await expectProblem('empty.nii.gz', Buffer.alloc(0), /not a NIfTI file/);
    await expectProblem('textgz.nii.gz', gzipSync(Buffer.from('tiny')), /not a NIfTI file/);
    const noMagic = Buffer.from(plain);
    noMagic.write('abc', 344, 'latin1');
    await expectProblem('nomagic.nii', noMagic, /not a NIfTI file: no NIfTI-1 magic/);
    const badDim = Buffer.from(plain);
    badDim.writeInt16LE(0, 44); // dim[2] = 0
    await expectProblem('baddim.nii', badDim, /bad header: dim\[2\] is 0/);
  });

  test('a missing file', async () => {
    await expect(readNifti(join(dir, 'nope.nii.gz'))).rejects.toThrow(/nope\.nii\.gz: file does not exist/);
    await expect(readNiftiHeader(join(dir, 'nope.nii'))).rejects.toThrow(/file does not exist/);
  });

  test('NaN voxels are found by the check the stages call', async () => {
    const data = new Float32Array(6 * 5 * 4).fill(1);
    data[17] = Number.NaN;
    data[18] = Number.POSITIVE_INFINITY;
    const file = join(dir, 'nan.nii.gz');
    await writeNifti(file, { shape: [6, 5, 4], spacing, data, header: geometry });
    const vol = await readNifti(file);
    expect(() => assertFiniteVoxels(vol, file)).toThrow(`${file}: 2 of 120 voxels are NaN or infinite`);
    expect(() => assertFiniteVoxels({ data: new Float32Array(3) }, file)).not.toThrow();
  });

  test('the good file still reads (the corruptions above are what fails)', async () => {
    const vol = await readNifti(join(dir, 'good.nii'));
    expect(vol.shape).toEqual([40, 30, 20]);
    const gz = join(dir, 'good.nii.gz');
    await writeFile(gz, gzipSync(plain));
    expect(gunzipSync(await readFile(gz)).equals(plain)).toBe(true);
    expect((await readNifti(gz)).data).toEqual(vol.data);
  });
});

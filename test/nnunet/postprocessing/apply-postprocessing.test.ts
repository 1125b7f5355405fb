import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { geometryFromAffine, readNifti, writeNifti } from '../../../src/io/nifti/index.js';
import { postprocessPredictions, readPostprocessingDecision } from '../../../src/nnunet/postprocessing/apply-file.js';

const { geometry, spacing } = geometryFromAffine([
  [-0.8, 0, 0, 10],
  [0, -0.8, 0, 20],
  [0, 0, 2.5, -30],
  [0, 0, 0, 1],
]);

describe('applying a postprocessing.json to label NIfTIs', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pipe-apply-pp-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the largest component of the listed classes and the header, in file order x fastest', async () => {
    // 6 x 4 x 3 (x, y, z): a liver block (label 1) with a tumour (2) inside, a stray liver voxel and a stray tumour
    const [X, Y, Z] = [6, 4, 3];
    const data = new Uint8Array(X * Y * Z);
    const at = (x: number, y: number, z: number) => x + X * (y + Y * z);
    for (let z = 0; z < 2; z++) for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) data[at(x, y, z)] = 1;
    data[at(1, 1, 0)] = 2;
    data[at(5, 3, 2)] = 1; // stray liver, not touching
    data[at(5, 0, 2)] = 2; // stray tumour
    await mkdir(join(dir, 'raw'), { recursive: true });
    await writeNifti(join(dir, 'raw', 'a.nii.gz'), { shape: [X, Y, Z], spacing, data, header: geometry });
    await postprocessPredictions(join(dir, 'raw'), join(dir, 'pp'), ['a'], [[1, 2]]);
    const out = await readNifti(join(dir, 'pp', 'a.nii.gz'));
    const raw = await readNifti(join(dir, 'raw', 'a.nii.gz'));
    expect(out.shape).toEqual(raw.shape);
    expect(out.affine).toEqual(raw.affine);
    const expected = Uint8Array.from(data);
    expected[at(5, 3, 2)] = 0;
    expected[at(5, 0, 2)] = 0;
    expect([...(out.data as Uint8Array)]).toEqual([...expected]);
    // an empty decision writes the raw labels unchanged
    await postprocessPredictions(join(dir, 'raw'), join(dir, 'none'), ['a'], []);
    expect([...((await readNifti(join(dir, 'none', 'a.nii.gz'))).data as Uint8Array)]).toEqual([...data]);
  });

  it('reads for_which_classes and names the file and the field when it is wrong', async () => {
    const file = join(dir, 'postprocessing.json');
    await writeFile(file, JSON.stringify({ for_which_classes: [[1, 2], 1], min_valid_object_sizes: 'None' }));
    expect(await readPostprocessingDecision(file)).toEqual([[1, 2], 1]);
    await writeFile(file, JSON.stringify({ for_which_classes: [[1, 'x']] }));
    await expect(readPostprocessingDecision(file)).rejects.toThrow(`${file}: for_which_classes[0] must be a label`);
    await writeFile(file, JSON.stringify({ dc_per_class_raw: {} }));
    await expect(readPostprocessingDecision(file)).rejects.toThrow(/for_which_classes to be a list/);
    await expect(readPostprocessingDecision(join(dir, 'missing.json'))).rejects.toThrow(/missing\.json: cannot read/);
  });
});

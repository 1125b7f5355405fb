import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readNifti, readNiftiHeader } from '../../../src/io/nifti/index.js';
import { nibabelMissing, nibabelView } from './nibabel.js';
import { expectSameAsNibabel } from './compare.js';

const DATA = '/usr/lib/python3/dist-packages/nibabel/tests/data';

/** nibabel's own odd real-world files: big-endian, NIfTI-2, 4D, qform-only / sform-only, qfac +-1. */
const FILES = [
  'anatomical.nii', // big-endian int16, qfac -1
  'example4d.nii.gz', // 4D int16
  'example_nifti2.nii.gz', // NIfTI-2, 4D
  'functional.nii', // 4D
  'reoriented_anat_moved.nii', // big-endian float32, qfac +1
  'resampled_anat_moved.nii',
  'standard.nii.gz', // qform_code 0, sform_code 2
];

describe.skipIf(nibabelMissing !== undefined)('reading the files shipped with nibabel', () => {
  let scratch = '';
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'pipe-nifti-'));
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  test('shape, spacing, affine, dtype and voxels agree with nibabel', async () => {
    const paths = FILES.map((f) => join(DATA, f));
    const views = await nibabelView(paths, scratch);
    for (const [i, path] of paths.entries()) {
      const ours = await readNifti(path);
      expectSameAsNibabel(ours, views[i]!, path);
    }
  });

  test('header-only reads give the same geometry without the voxels', async () => {
    const header = await readNiftiHeader(join(DATA, 'example_nifti2.nii.gz'));
    const full = await readNifti(join(DATA, 'example_nifti2.nii.gz'));
    expect(header.version).toBe(2);
    expect(header.shape).toEqual(full.shape);
    expect(header.affine).toEqual(full.affine);
    expect(header.geometry).toEqual(full.header);
  });

  test('an Analyze header is refused as not a NIfTI file', async () => {
    await expect(readNifti(join(DATA, 'analyze.hdr'))).rejects.toThrow(/analyze\.hdr: not a NIfTI file/);
  });
});

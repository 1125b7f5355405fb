import { expect } from 'vitest';
import type { NiftiVolume } from '../../../src/io/nifti/index.js';
import type { NibabelView } from './nibabel.js';

/** Asserts that our reading of a file matches nibabel's, with the file in every message. */
export function expectSameAsNibabel(ours: NiftiVolume, theirs: NibabelView, label: string): void {
  expect(ours.shape, `${label} shape`).toEqual(theirs.shape);
  expect(ours.datatype, `${label} dtype`).toBe(theirs.dtype);
  ours.spacing.forEach((s, i) => expect(s, `${label} spacing[${i}]`).toBeCloseTo(theirs.zooms[i]!, 5));
  for (let r = 0; r < 4; r++) {
    for (let c = 0; c < 4; c++) {
      expect(ours.affine[r]![c]!, `${label} affine[${r}][${c}]`).toBeCloseTo(theirs.affine[r]![c]!, 4);
    }
  }
  expect(ours.header.qformCode, `${label} qform_code`).toBe(theirs.qformCode);
  expect(ours.header.sformCode, `${label} sform_code`).toBe(theirs.sformCode);
  expect(ours.header.qfac, `${label} qfac`).toBe(theirs.pixdim0 === -1 ? -1 : 1);
  expect(ours.data.length, `${label} voxel count`).toBe(theirs.data.length);
  let worst = 0;
  let where = -1;
  for (let i = 0; i < theirs.data.length; i++) {
    const a = Number(ours.data[i]);
    const b = theirs.data[i]!;
    const err = Number.isNaN(a) && Number.isNaN(b) ? 0 : Math.abs(a - b) / Math.max(1, Math.abs(b));
    if (!(err <= worst)) {
      worst = err;
      where = i;
    }
  }
  expect(worst, `${label} worst relative voxel error (at ${where})`).toBeLessThan(1e-6);
}

/**
 * synthesize_decathlon's geometry: with scanLength each case draws its slice spacing and scan length
 * and the slice count follows, so bodies keep a real length; without it the draws are those of
 * earlier versions (a pinned digest), so existing seeds give the same phantoms.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { makePhantom, type Phantom, type PhantomOptions } from '../../../../src/nnunet/dataset/synthesize/phantom.js';
import { Random } from '../../../../src/nnunet/dataset/synthesize/random.js';
import { readNiftiHeader } from '../../../../src/io/nifti/read.js';
import stage from '../../../../src/nnunet/stages/synthesize-decathlon.js';
import { fakeContext } from '../../../helpers/fake-context.js';
import { join } from 'node:path';

const digest = (p: Phantom) =>
  createHash('sha256').update(Buffer.from(p.channels[0]!.buffer)).update(Buffer.from(p.label.buffer))
    .update(JSON.stringify([p.shape, p.spacing, p.affine])).digest('hex').slice(0, 16);

const TASK03: PhantomOptions = {
  inPlaneSize: [8, 8], // tiny in plane: the test is about z
  slices: [24, 60],
  inPlaneSpacing: [0.6, 0.98],
  sliceSpacing: [0.7, 5],
  scanLength: [150, 700],
  channels: 1,
};

describe('phantom geometry', () => {
  it('with a scan length, slice counts follow from length and spacing: real body lengths, Task03 counts', () => {
    const lengths: number[] = [];
    const counts: number[] = [];
    for (let n = 0; n < 40; n++) {
      const p = makePhantom(new Random(11, n), TASK03);
      const [, , nz] = p.shape;
      const [, , sz] = p.spacing;
      expect(sz).toBeGreaterThanOrEqual(0.7);
      expect(sz).toBeLessThanOrEqual(5);
      expect(nz * sz, `case ${n}: ${nz} slices at ${sz} mm`).toBeGreaterThanOrEqual(150 - sz / 2);
      expect(nz * sz).toBeLessThanOrEqual(700 + sz / 2);
      lengths.push(nz * sz);
      counts.push(nz);
    }
    expect(Math.max(...counts)).toBeGreaterThan(400); // thin slices: many
    expect(Math.min(...counts)).toBeLessThan(120); // thick ones: few
    expect(Math.max(...lengths) - Math.min(...lengths)).toBeGreaterThan(250);
  });

  it('a Task03-sized case: 987 slices of 0.7 mm are a 691 mm scan', () => {
    const p = makePhantom(new Random(1, 0), { ...TASK03, sliceSpacing: [0.7, 0.7], scanLength: [690.9, 690.9] });
    expect(p.shape[2]).toBe(987);
    expect(p.tumours).toBeGreaterThan(0);
  });

  it('drawn apart (no scan length), counts and spacings make 2 m bodies; the draws are those of before', () => {
    const apart = { ...TASK03, slices: [96, 880] as [number, number], scanLength: undefined };
    const long = Array.from({ length: 20 }, (_, n) => makePhantom(new Random(11, n), apart)).map((p) => p.shape[2] * p.spacing[2]);
    expect(Math.max(...long)).toBeGreaterThan(1500);
    const before = { inPlaneSize: [40, 56], slices: [12, 24], inPlaneSpacing: [0.7, 1], sliceSpacing: [1.5, 4], channels: 1 } as PhantomOptions;
    expect([0, 1].map((n) => digest(makePhantom(new Random(7, n), before)))).toEqual(PINNED);
  });
});

describe('the stage', () => {
  it('takes scan_length and writes slice counts that follow from it', async () => {
    const ctx = await fakeContext('synthesize_decathlon', {
      cases: 2, test_cases: 0, seed: 4, in_plane_size: [8, 8], slice_spacing: [2, 3], scan_length: [100, 120],
    });
    await stage.run(ctx);
    for (const id of ['liver_0', 'liver_1']) {
      const h = await readNiftiHeader(join(ctx.out, 'Task03_Liver-like', 'imagesTr', `${id}.nii.gz`));
      const length = (h.shape[2] as number) * (h.spacing[2] as number);
      expect(length).toBeGreaterThanOrEqual(100 - 1.5);
      expect(length).toBeLessThanOrEqual(120 + 1.5);
    }
    await expect(fakeContext('synthesize_decathlon', { scan_length: [100] })).rejects.toThrow(/invalid with/);
  });
});

/** Digests of seed 7, cases 0 and 1 (test/preprocess/pipeline.test.ts's sizes), from the code before scanLength. */
const PINNED = ['e6ce3c57343cb6c4', 'b21d6f1be75c2bc5'];

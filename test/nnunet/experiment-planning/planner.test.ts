import { describe, expect, it } from 'vitest';
import { planExperiment, planStage, targetSpacing } from '../../../src/nnunet/experiment-planning/planner.js';
import { poolAndConvProps, vramProxy } from '../../../src/nnunet/experiment-planning/topology.js';
import type { CaseFingerprint, Fingerprint } from '../../../src/nnunet/plans/types.js';

function fingerprintOf(cases: { spacing: number[]; croppedShape: number[] }[], modalities = ['CT']): Fingerprint {
  return {
    modalities,
    allClasses: [1, 2],
    labels: { '0': 'background', '1': 'liver', '2': 'cancer' },
    intensityProperties: null,
    cases: cases.map((c, i): CaseFingerprint => ({
      id: `case_${i}`,
      spacing: c.spacing,
      shape: c.croppedShape,
      croppedShape: c.croppedShape,
      cropBbox: c.croppedShape.map((s) => [0, s]),
      sizeReduction: 1,
      classes: [0, 1, 2],
    })),
  };
}

describe('planner on Task03 numbers (recipe 4.7)', () => {
  // 131 cases at the Task03 target spacing with median shape (482, 512, 512).
  const task03 = fingerprintOf(Array.from({ length: 131 }, () => ({ spacing: [1, 0.76757812, 0.76757812], croppedShape: [482, 512, 512] })));
  const plans = planExperiment(task03);
  const full = plans.configurations['3d_fullres'];
  const low = plans.configurations['3d_lowres'];

  it('plans 3d_fullres: 128^3 patch, 5 pools of [2,2,2], batch 2, VRAM proxy 454,893,568', () => {
    expect(plans.targetSpacing).toEqual([1, 0.76757812, 0.76757812]);
    expect(plans.transposeForward).toEqual([0, 1, 2]);
    expect(plans.transposeBackward).toEqual([0, 1, 2]);
    expect(full.medianShape).toEqual([482, 512, 512]);
    expect(full.patchSize).toEqual([128, 128, 128]);
    expect(full.numPoolPerAxis).toEqual([5, 5, 5]);
    expect(full.poolKernels).toEqual(Array(5).fill([2, 2, 2]));
    expect(full.convKernels).toEqual(Array(6).fill([3, 3, 3]));
    expect(full.vramEstimate).toBe(454_893_568);
    expect(full.vramReference).toBeCloseTo(554_666_666.67, 1);
    expect(full.batchSize).toBe(2);
    expect(full.maxBatchSize).toBe(395);
    expect(full.doDummy2DDataAug).toBe(false);
    expect(plans.numClasses).toBe(3);
    expect(plans.normalization).toEqual(['CT']);
    expect(plans.useMaskForNorm).toEqual([false]);
  });

  it('plans 3d_lowres after 91 growth steps: spacing (2.473119, 1.898312, 1.898312), median (195, 207, 207)', () => {
    expect(low).toBeDefined();
    if (!low) return;
    expect(low.spacing[0]).toBeCloseTo(2.473119, 5);
    expect(low.spacing[1]).toBeCloseTo(1.89831205, 6);
    expect(low.spacing[2]).toBeCloseTo(1.89831205, 6);
    expect(low.spacing[0]).toBeCloseTo(1.01 ** 91, 9);
    expect(low.originalSpacing).toEqual(full.spacing);
    expect(low.medianShape).toEqual([195, 207, 207]);
    expect(low.patchSize).toEqual([128, 128, 128]);
    expect(low.poolKernels).toEqual(Array(5).fill([2, 2, 2]));
    expect(low.batchSize).toBe(2);
    expect(low.maxBatchSize).toBe(26);
  });
});

describe('planner on an anisotropic dataset (hand-computed)', () => {
  // 20 cases, 5 mm slices and 0.8 mm in-plane; shapes 40 x 320 x 320 (median).
  const cases = Array.from({ length: 20 }, (_, i) => ({
    spacing: [i < 10 ? 5 : 4, 0.8, 0.8],
    croppedShape: [40, 320, 320],
  }));
  const plans = planExperiment(fingerprintOf(cases, ['MRI']));
  const full = plans.configurations['3d_fullres'];

  it('replaces the coarse axis target by its 10th percentile (5 > 3 * 0.8 and 40 * 3 < 320)', () => {
    // median z spacing = 4.5; 10th percentile of ten 4s and ten 5s = 4.
    expect(plans.targetSpacing).toEqual([4, 0.8, 0.8]);
  });

  it('derives patch, pools and kernels from the spacing', () => {
    // Median shape at target: z = median(5/4*40 = 50, 4/4*40 = 40) = 45, y = x = 320.
    expect(plans.fingerprint.medianShapeAtTarget).toEqual([45, 320, 320]);
    expect(full.medianShape).toEqual([45, 320, 320]);
    // Start: 1/s = (0.25, 1.25, 1.25) scaled so the smallest is 512 -> (512, 2560, 2560), clipped to (45, 320, 320).
    // Pool loop: z (4 mm) joins once y, x reach 3.2 mm: pools [1,2,2] x2 then [2,2,2] x3, then y, x once more;
    // padded to (48, 320, 320). Its VRAM proxy exceeds the reference, so the largest patch/median axis
    // shrinks step by step (z to 40 -> x, y, ...) down to (32, 256, 224) with pools (3, 6, 5):
    // 164*P + 5*(458752*64 + 114688*128 + 14336*256 + 1792*320 + 224*320) + 2*112*320 = 542,789,632.
    expect(full.patchSize).toEqual([32, 256, 224]);
    expect(full.numPoolPerAxis).toEqual([3, 6, 5]);
    expect(full.poolKernels).toEqual([[1, 2, 2], [1, 2, 2], [2, 2, 2], [2, 2, 2], [2, 2, 2], [1, 2, 1]]);
    expect(full.convKernels).toEqual([[1, 3, 3], [1, 3, 3], [3, 3, 3], [3, 3, 3], [3, 3, 3], [3, 3, 3], [3, 3, 3]]);
    expect(full.vramEstimate).toBe(542_789_632);
    // floor(554,666,667 / 542,789,632 * 2) = 2; cap round(0.05 * 45*320*320*20 / (32*256*224)) = round(2.51) = 3.
    expect(full.batchSize).toBe(2);
    expect(full.maxBatchSize).toBe(3);
    // 256 / 32 = 8 > 3.
    expect(full.doDummy2DDataAug).toBe(true);
    expect(poolAndConvProps(full.spacing, full.patchSize).patchSize).toEqual(full.patchSize);
    expect(plans.normalization).toEqual(['nonCT']);
  });
});

describe('topology helpers', () => {
  it('pools by spacing with float halving and pads the patch', () => {
    const t = poolAndConvProps([3, 1, 1], [20, 100, 90]);
    // spacing 3 vs 1: z waits until y, x reach 2 mm... then 4 mm (z joins when 3/2 < 2 -> after 1 pool: 3/2 = 1.5 < 2).
    expect(t.poolKernels[0]).toEqual([1, 2, 2]);
    expect(t.convKernels[0]).toEqual([1, 3, 3]);
    expect(t.poolKernels[1]).toEqual([2, 2, 2]);
    expect(t.numPoolPerAxis).toEqual([2, 4, 4]);
    expect(t.patchSize).toEqual([20, 112, 96]);
  });

  it('computes the VRAM proxy like Generic_UNet', () => {
    const pools = Array(5).fill([2, 2, 2]);
    expect(vramProxy([128, 128, 128], pools, 32, 320, 1, 3)).toBe(454_893_568);
  });

  it('keeps the median spacing without anisotropy', () => {
    expect(targetSpacing([[2, 1, 1], [2.5, 1, 1], [3, 1, 1]], [[100, 200, 200], [90, 200, 200], [80, 200, 200]])).toEqual([2.5, 1, 1]);
  });

  it('caps the batch at 5% of the dataset voxels and never below 2', () => {
    const s = planStage([1, 1, 1], [1, 1, 1], [64, 64, 64], 2, 1, 2);
    expect(s.patchSize).toEqual([64, 64, 64]);
    expect(s.maxBatchSize).toBe(2);
    expect(s.batchSize).toBe(2);
  });
});

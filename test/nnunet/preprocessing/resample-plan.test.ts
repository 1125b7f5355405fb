import { describe, expect, it } from 'vitest';
import { resamplePlan, separateZ } from '../../../src/nnunet/preprocessing/resample-plan.js';

describe('separate-z decision (resample_patient)', () => {
  it.each([
    // first (case) spacing, second (target) spacing, expected axis, reason
    [[2.5, 0.7, 0.7], [1, 0.77, 0.77], 0, 'separate-z (original spacing)'],
    [[1.5, 0.7, 0.7], [1, 0.77, 0.77], -1, 'joint'],
    [[1, 1, 1], [4, 1, 1], 0, 'separate-z (target spacing)'],
    [[0.8, 3, 0.8], [1, 1, 1], 1, 'separate-z (original spacing)'],
    [[0.24, 1.25, 1.25], [1, 1, 1], -1, 'joint (two axes tie for the coarsest spacing)'],
  ] as const)('case %j, target %j -> axis %i', (first, second, axis, reason) => {
    expect(separateZ(first, second)).toEqual({ nearestAxis: axis, reason });
  });

  it('rounds the new shape half to even like np.round', () => {
    // 2 / 1 * 10.25 -> 20.5 -> 20; 1 * 3 -> 3; 0.5 / 1 * 5 -> 2.5 -> 2
    expect(resamplePlan([10.25, 3, 5], [2, 1, 0.5], [1, 1, 1]).newShape).toEqual([20, 3, 2]);
  });
});

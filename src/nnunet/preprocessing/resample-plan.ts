/**
 * Per-case resampling decisions of nnU-Net v1's resample_patient (recipe 5.3): the new shape and
 * whether the low-resolution axis is resampled separately (order 0 along it).
 */
import { roundHalfEven } from '../../util/numpy-numeric.js';

export interface ResamplePlan {
  readonly newShape: [number, number, number];
  /** The axis resampled with order 0, or -1 for joint resampling. */
  readonly nearestAxis: number;
  /** Why (for the properties file). */
  readonly reason: 'joint' | 'separate-z (original spacing)' | 'separate-z (target spacing)' | 'joint (two axes tie for the coarsest spacing)';
}

const anisotropic = (s: readonly number[], threshold: number) => Math.max(...s) / Math.min(...s) > threshold;

function lowResAxes(s: readonly number[]): number[] {
  const m = Math.max(...s);
  return s.flatMap((v, i) => (m / v === 1 ? [i] : []));
}

/**
 * nnU-Net's separate-z decision: the coarsest axis of `first` if its max/min spacing ratio exceeds
 * the threshold, else that of `second`, else none; a tie between two coarsest axes means joint, all
 * three tied means axis 0. Preprocessing passes (case spacing, target spacing); exporting a
 * prediction back passes (original spacing, spacing after resampling), both in transposed order.
 */
export function separateZ(first: readonly number[], second: readonly number[], threshold = 3):
  Pick<ResamplePlan, 'nearestAxis' | 'reason'> {
  let axes: number[] | null = null;
  let reason: ResamplePlan['reason'] = 'joint';
  if (anisotropic(first, threshold)) {
    axes = lowResAxes(first);
    reason = 'separate-z (original spacing)';
  } else if (anisotropic(second, threshold)) {
    axes = lowResAxes(second);
    reason = 'separate-z (target spacing)';
  }
  if (axes === null) return { nearestAxis: -1, reason };
  if (axes.length === 3) return { nearestAxis: 0, reason };
  if (axes.length === 2) return { nearestAxis: -1, reason: 'joint (two axes tie for the coarsest spacing)' };
  return { nearestAxis: axes[0] as number, reason };
}

/** New shape round(spacing / target * shape) (half to even) and the separate-z decision for one case. */
export function resamplePlan(shape: readonly number[], spacing: readonly number[], target: readonly number[],
  threshold = 3): ResamplePlan {
  const newShape = shape.map((n, i) => roundHalfEven(((spacing[i] as number) / (target[i] as number)) * n)) as [number, number, number];
  return { newShape, ...separateZ(spacing, target, threshold) };
}

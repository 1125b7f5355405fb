/**
 * Per-case resampling decisions of nnU-Net v1's resample_patient (recipe 5.3): the new shape and
 * whether the low-resolution axis is resampled separately (order 0 along it).
 */
import { roundHalfEven } from '../plan/numeric.js';

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

export function resamplePlan(shape: readonly number[], spacing: readonly number[], target: readonly number[],
  threshold = 3): ResamplePlan {
  const newShape = shape.map((n, i) => roundHalfEven(((spacing[i] as number) / (target[i] as number)) * n)) as [number, number, number];
  let axes: number[] | null = null;
  let reason: ResamplePlan['reason'] = 'joint';
  if (anisotropic(spacing, threshold)) {
    axes = lowResAxes(spacing);
    reason = 'separate-z (original spacing)';
  } else if (anisotropic(target, threshold)) {
    axes = lowResAxes(target);
    reason = 'separate-z (target spacing)';
  }
  if (axes === null) return { newShape, nearestAxis: -1, reason };
  if (axes.length === 3) return { newShape, nearestAxis: 0, reason };
  if (axes.length === 2) return { newShape, nearestAxis: -1, reason: 'joint (two axes tie for the coarsest spacing)' };
  return { newShape, nearestAxis: axes[0] as number, reason };
}

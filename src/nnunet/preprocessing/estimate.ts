/**
 * Peak memory of one case, from its fingerprint and its files' headers (case-storage.ts), before any
 * voxel is read: the budgets of plan and preprocess (memory.ts) schedule and refuse cases by it.
 *
 * The estimate follows what the code holds in each phase, buffer by buffer (below), plus a fixed
 * allowance for the process (node, the native addon and LibTorch's libraries: 0.20 GiB resident
 * before the first case, measured). Measured against the peak RSS (VmHWM) of one process running one
 * case, on Task03-sized phantoms (512 x 512 in plane, int16 CT, uint8 label, target spacing
 * 1 x 0.77 x 0.77 mm, 2 threads; bench/real-size/run.mjs measures and asserts the 25 % bound, and
 * test/nnunet/preprocessing/estimate.test.ts keeps these figures):
 *
 *   case: slices x 512 x 512 at     preprocess              plan (fingerprint)
 *   z x in-plane spacing (mm)       estimate    peak RSS    estimate    peak RSS
 *   987 at 0.70 x 0.70              1.72 GiB    1.71 GiB    1.31 GiB    1.20 GiB
 *   880 at 0.80 x 0.74              1.79 GiB    1.77 GiB    1.20 GiB    1.09 GiB
 *   600 at 1.00 x 0.77              1.28 GiB    1.26 GiB    0.89 GiB    0.82 GiB
 *   300 at 1.50 x 0.80              1.10 GiB    1.09 GiB    0.57 GiB    0.53 GiB
 *    96 at 4.00 x 0.82              0.82 GiB    0.78 GiB    0.35 GiB    0.32 GiB
 *
 * (The formula before counted copies the code made then and makes no more: it said 10.71 GiB for the
 * 987-slice case, whose peak was then 3.92 GiB, and 9.87 GiB for the 880-slice one, peak 3.73 GiB.)
 */
import type { CaseFingerprint, Plans, StagePlan } from '../plans/types.js';
import { FLOAT32_STORAGE, type CaseStorage } from './case-storage.js';
import { resamplePlan } from './resample-plan.js';

/** Resident before the first case: node, the addon, LibTorch's libraries (0.20 GiB measured), rounded up. */
export const PROCESS_ALLOWANCE_BYTES = 256 * 2 ** 20;
/**
 * Share of the resampled voxels assumed to be foreground, for the class locations' permutation (4 bytes per
 * foreground voxel). Task03's liver and tumour fill 2-8 % of a CT; large volumes have small foregrounds.
 */
export const FOREGROUND_SHARE = 0.1;

const prod = (s: readonly number[]) => s.reduce((p, v) => p * v, 1);

/**
 * Voxels of the intermediate volume the resampler keeps between its two steps (0: one step). Mirrors
 * pipe_core::ImageResampling (native/src/core/resample.cc): passes ordered by new/old size, the first on
 * its own and the other two plane by plane, unless the first is x (then x with the next, then the last);
 * two passes whose third axis is z or y are one step.
 */
export function resampleIntermediateVoxels(shape: readonly number[], newShape: readonly number[]): number {
  const passes = [0, 1, 2]
    .sort((p, q) => (newShape[p] as number) / (shape[p] as number) - (newShape[q] as number) / (shape[q] as number) || p - q)
    .filter((a) => shape[a] !== newShape[a]);
  const after = (axes: number[]) => prod(shape.map((s, a) => (axes.includes(a) ? (newShape[a] as number) : s)));
  if (passes.length === 3) return passes[0] !== 2 ? after(passes.slice(0, 1)) : after(passes.slice(0, 2));
  if (passes.length === 2) return 3 - (passes[0] as number) - (passes[1] as number) !== 2 ? 0 : after(passes.slice(0, 1));
  return 0;
}

/**
 * Peak bytes of preprocessCase (case.ts) for one case. With C channels of b bytes a voxel (storage),
 * N0 voxels as stored, Nc cropped, N1 resampled and I in the resampler's intermediate, the phases hold:
 *   reading:     C b N0 + N0 (label) + reading copies
 *   cropping:    C b N0 + N0 + Nc (mask) + 4 Nc (fill stack; only where zeros can be background, not CT)
 *   channel c:   its source, the later ones' and the label (the buffers keep their uncropped size), the c
 *                results so far (4 N1 each), plus: a transposed copy (b Nc) when the plan transposes;
 *                the intermediate (4 I) while the source is read; then, the source released, 4 I + 4 N1
 *                (one step: the source and 4 N1)
 *   labels:      C 4 N1 + N0 + N1 (+ Nc for a transposed copy)
 *   locations:   C 4 N1 + N1 + 4 bytes per foreground voxel (FOREGROUND_SHARE of N1)
 */
export function estimateCaseBytes(c: CaseFingerprint, plans: Plans, stage: StagePlan, storage: CaseStorage = FLOAT32_STORAGE): number {
  const C = plans.numInputChannels;
  const b = storage.channelBytes;
  const tf = plans.transposeForward;
  const transposes = tf.some((a, i) => a !== i);
  const croppedT = tf.map((a) => c.croppedShape[a] as number);
  const spacingT = tf.map((a) => c.spacing[a] as number);
  const outShape = resamplePlan(croppedT, spacingT, stage.spacing, plans.anisotropyThreshold).newShape;
  const n0 = prod(c.shape);
  const nc = prod(c.croppedShape);
  const n1 = prod(outShape);
  const mid = resampleIntermediateVoxels(croppedT, outShape);
  const stack = plans.normalization.every((n) => n === 'CT') ? 0 : 4 * nc;
  const phases = [
    C * b * n0 + n0 + storage.readingBytes * n0,
    C * b * n0 + n0 + nc + stack,
  ];
  for (let ch = 0; ch < C; ch++) {
    const held = ch * 4 * n1 + (C - ch) * b * n0 + n0;
    if (transposes) phases.push(held + b * nc);
    if (mid > 0) phases.push(held + 4 * mid, held - b * n0 + 4 * mid + 4 * n1);
    else phases.push(held + 4 * n1);
  }
  phases.push(C * 4 * n1 + n0 + n1 + (transposes ? nc : 0));
  phases.push(C * 4 * n1 + n1 + 4 * FOREGROUND_SHARE * n1);
  return Math.ceil(Math.max(...phases) + storage.lingeringBytes * n0 + PROCESS_ALLOWANCE_BYTES);
}

/**
 * Peak bytes of one case in the plan stage's fingerprint (experiment-planning/fingerprint.ts): reading
 * as above, then the in-place crop (mask and, without CT, the fill stack, at most N0 voxels each) and
 * the foreground samples (every 10th foreground voxel: at most 0.4 bytes a voxel per channel).
 */
export function estimateFingerprintBytes(voxels: number, channels: number, ct: boolean, storage: CaseStorage = FLOAT32_STORAGE): number {
  const held = channels * storage.channelBytes * voxels + voxels;
  const phases = [held + storage.readingBytes * voxels, held + voxels + (ct ? 0 : 4 * voxels) + 0.4 * channels * voxels];
  return Math.ceil(Math.max(...phases) + storage.lingeringBytes * voxels + PROCESS_ALLOWANCE_BYTES);
}

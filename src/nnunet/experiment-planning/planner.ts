/**
 * The 3D experiment planner, following nnU-Net v1's ExperimentPlanner3D_v21 ("nnUNetPlansv2.1";
 * recipe section 4): target spacing with the anisotropy rule, axis transposition, patch size from a
 * 512 mm isotropic start, pooling by spacing, the VRAM-proxy loop, batch size with the 5% cap, and
 * the optional low-resolution stage.
 */
import { argmax, medianRows, percentile, percentileRows, product, roundHalfEven } from '../../util/numpy-numeric.js';
import { poolAndConvProps, vramProxy } from './topology.js';
import type { Fingerprint, NormalizationScheme, Plans, StagePlan } from '../plans/types.js';

/** Planner constants (recipe 4.1). */
export const PLANNER = {
  baseFeatures: 32,
  maxFeatures: 320,
  maxPools: 999,
  minFeatureMapEdge: 4,
  minBatchSize: 2,
  defaultBatchSize3D: 2,
  /** Generic_UNet.use_this_for_batch_size_computation_3D scaled by 32/30. */
  vramReference: (520_000_000 * 32) / 30,
  anisotropyThreshold: 3,
  targetSpacingPercentile: 50,
  /** Low-res stage needed when the median case is >= 4 patches. */
  patientFractionFactor: 4,
  batchMaxDatasetFraction: 0.05,
  convPerStage: 2,
} as const;

/**
 * Per-axis median spacing; an axis much coarser than the others (spacing > 3x the largest other one,
 * and fewer than a third of the voxels of the smallest other one) gets its 10th percentile instead,
 * kept above the other axes' spacing.
 * Note: nnU-Net's code compares with max(other spacings); the recipe text says min. For the usual
 * case of equal in-plane spacings the two agree; we follow the code.
 */
export function targetSpacing(spacings: readonly (readonly number[])[], sizes: readonly (readonly number[])[]): number[] {
  const target = percentileRows(spacings, PLANNER.targetSpacingPercentile);
  const targetSize = percentileRows(sizes, PLANNER.targetSpacingPercentile);
  const worst = argmax(target);
  const others = [0, 1, 2].filter((i) => i !== worst);
  const otherSpacings = others.map((i) => target[i] as number);
  const otherSizes = others.map((i) => targetSize[i] as number);
  const anisoSpacing = (target[worst] as number) > PLANNER.anisotropyThreshold * Math.max(...otherSpacings);
  const anisoVoxels = (targetSize[worst] as number) * PLANNER.anisotropyThreshold < Math.min(...otherSizes);
  if (anisoSpacing && anisoVoxels) {
    let s = percentile(spacings.map((r) => r[worst] as number), 10);
    if (s < Math.max(...otherSpacings)) s = Math.max(Math.max(...otherSpacings), s) + 1e-5;
    target[worst] = s;
  }
  return target;
}

/** nnU-Net's get_properties_for_stage (v2.1): everything in transposed axis order. */
export function planStage(spacing: readonly number[], originalSpacing: readonly number[], medianShape: readonly number[],
  numCases: number, numModalities: number, numClasses: number): StagePlan {
  const medianVoxels = medianShape.map((m, i) => roundHalfEven(((originalSpacing[i] as number) / (spacing[i] as number)) * m));
  const datasetVoxels = product(medianVoxels) * numCases;
  // Isotropic 512 mm-equivalent start, clipped to the median shape.
  let start = spacing.map((s) => 1 / s);
  const mean = start.reduce((a, b) => a + b, 0) / start.length;
  start = start.map((v) => v / mean);
  const minV = Math.min(...start);
  const patch0 = start.map((v, i) => Math.min(roundHalfEven((v * 512) / minV), medianVoxels[i] as number));

  const props = (p: readonly number[]) => poolAndConvProps(spacing, p, PLANNER.minFeatureMapEdge, PLANNER.maxPools);
  const proxy = (t: ReturnType<typeof props>) =>
    vramProxy(t.patchSize, t.poolKernels, PLANNER.baseFeatures, PLANNER.maxFeatures, numModalities, numClasses, PLANNER.convPerStage);
  let topo = props(patch0);
  let estimate = proxy(topo);
  const reference = PLANNER.vramReference;
  while (estimate > reference) {
    // The axis with the largest patch/median ratio (the last one on ties, like np.argsort(...)[-1]).
    const ratios = topo.patchSize.map((p, i) => p / (medianVoxels[i] as number));
    let axis = 0;
    for (let i = 1; i < ratios.length; i++) if ((ratios[i] as number) >= (ratios[axis] as number)) axis = i;
    const trial = [...topo.patchSize];
    trial[axis] = (trial[axis] as number) - (topo.mustBeDivisibleBy[axis] as number);
    const divisor = props(trial).mustBeDivisibleBy[axis] as number;
    const next = [...topo.patchSize];
    next[axis] = (next[axis] as number) - divisor;
    topo = props(next);
    estimate = proxy(topo);
  }
  const patchSize = topo.patchSize;
  let batchSize = Math.floor(Math.max(reference / estimate, 1) * PLANNER.defaultBatchSize3D);
  const maxBatchSize = Math.max(
    roundHalfEven((PLANNER.batchMaxDatasetFraction * datasetVoxels) / product(patchSize)),
    PLANNER.minBatchSize,
  );
  batchSize = Math.min(batchSize, maxBatchSize);
  return {
    spacing: [...spacing],
    originalSpacing: [...originalSpacing],
    medianShape: medianVoxels,
    patchSize,
    batchSize,
    numPoolPerAxis: topo.numPoolPerAxis,
    poolKernels: topo.poolKernels,
    convKernels: topo.convKernels,
    doDummy2DDataAug: Math.max(...patchSize) / (patchSize[0] as number) > PLANNER.anisotropyThreshold,
    vramEstimate: estimate,
    vramReference: reference,
    maxBatchSize,
    baseFeatures: PLANNER.baseFeatures,
    maxFeatures: PLANNER.maxFeatures,
  };
}

/** Field documentation written into plans.json (`about`). */
export const PLANS_ABOUT: Readonly<Record<string, string>> = {
  axes: 'every per-axis array is [z, y, x] (C order of the arrays); stage arrays are in transposed order (transposeForward)',
  numClasses: 'output classes including background',
  allClasses: 'foreground label values',
  normalization: "per channel: 'CT' = clip to fingerprint p0.5/p99.5 then (x - mean) / sd; 'nonCT' = per-case z-score",
  useMaskForNorm: 'per channel: z-score only inside the nonzero mask, voxels outside set to 0',
  targetSpacing: 'full-resolution spacing in mm before transposition (median, or 10th percentile for a coarse axis)',
  'configurations.*.spacing': 'spacing in mm the stage data is resampled to',
  'configurations.*.medianShape': 'median case shape in voxels at that spacing',
  'configurations.*.patchSize': 'network input patch in voxels; default of the train parameter patch_size',
  'configurations.*.batchSize': 'default of the train parameter batch_size (VRAM proxy, capped at 5% of the dataset)',
  'configurations.*.poolKernels': 'pooling kernel per down-sampling step',
  'configurations.*.convKernels': 'conv kernel per resolution level (pools + 1)',
  'configurations.*.vramEstimate': "nnU-Net's activation-count proxy for this patch; vramReference is its limit",
  'fingerprint.intensityProperties': 'per channel foreground statistics (every 10th label > 0 voxel, all cases pooled)',
};

function normalizationOf(modality: string): NormalizationScheme {
  return modality === 'CT' || modality === 'ct' ? 'CT' : 'nonCT';
}

/** nnU-Net's plan_experiment for the 3D planner: full-resolution stage, then the optional low-res stage. */
export function planExperiment(fp: Fingerprint): Plans {
  if (fp.cases.length === 0) throw new Error('Expected at least one training case in the fingerprint but received none');
  const spacings = fp.cases.map((c) => c.spacing);
  const sizes = fp.cases.map((c) => c.croppedShape);
  const target = targetSpacing(spacings, sizes);
  const newShapes = fp.cases.map((c) => c.croppedShape.map((s, i) => ((c.spacing[i] as number) / (target[i] as number)) * s));
  const maxAxis = argmax(target);
  const transposeForward = [maxAxis, ...[0, 1, 2].filter((i) => i !== maxAxis)];
  const transposeBackward = [0, 1, 2].map((i) => transposeForward.indexOf(i));
  const medianShape = medianRows(newShapes);
  const targetT = transposeForward.map((i) => target[i] as number);
  const medianT = transposeForward.map((i) => medianShape[i] as number);
  const numModalities = fp.modalities.length;
  const numClasses = fp.allClasses.length + 1;
  const numCases = fp.cases.length;

  const fullres = planStage(targetT, targetT, medianT, numCases, numModalities, numClasses);
  let lowres: StagePlan | undefined;
  let patchVoxels = product(fullres.patchSize);
  if (product(medianShape) / patchVoxels >= PLANNER.patientFractionFactor) {
    const lowSpacing = [...target];
    let numVoxels = product(medianShape);
    let candidate: StagePlan | undefined;
    while (numVoxels > PLANNER.patientFractionFactor * patchVoxels) {
      const maxSpacing = Math.max(...lowSpacing);
      const coarsen = lowSpacing.map((s) => maxSpacing / s > 2);
      const any = coarsen.some(Boolean);
      for (let i = 0; i < 3; i++) if (!any || coarsen[i]) lowSpacing[i] = (lowSpacing[i] as number) * 1.01;
      numVoxels = product(target.map((t, i) => (t / (lowSpacing[i] as number)) * (medianShape[i] as number)));
      const lowT = transposeForward.map((i) => lowSpacing[i] as number);
      candidate = planStage(lowT, targetT, medianT, numCases, numModalities, numClasses);
      patchVoxels = product(candidate.patchSize);
    }
    if (candidate && 2 * product(candidate.medianShape) < product(fullres.medianShape)) lowres = candidate;
  }

  const medianReduction = (() => {
    const r = fp.cases.map((c) => c.sizeReduction).sort((a, b) => a - b);
    const m = r.length >> 1;
    return r.length % 2 === 1 ? (r[m] as number) : ((r[m - 1] as number) + (r[m] as number)) / 2;
  })();
  return {
    format: 'pipe-plans/1',
    planner: 'ExperimentPlanner3D_v21',
    about: PLANS_ABOUT,
    numClasses,
    labels: fp.labels,
    allClasses: fp.allClasses,
    modalities: fp.modalities,
    numInputChannels: numModalities,
    normalization: fp.modalities.map(normalizationOf),
    useMaskForNorm: fp.modalities.map((m) => (m.includes('CT') ? false : medianReduction < 3 / 4)),
    transposeForward,
    transposeBackward,
    targetSpacing: target,
    anisotropyThreshold: PLANNER.anisotropyThreshold,
    convPerStage: PLANNER.convPerStage,
    numCases,
    configurations: lowres ? { '3d_fullres': fullres, '3d_lowres': lowres } : { '3d_fullres': fullres },
    fingerprint: { medianShapeAtTarget: medianShape, intensityProperties: fp.intensityProperties },
  };
}

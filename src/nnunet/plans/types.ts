/** Shapes of the plan stage's files (fingerprint.json, plans.json, splits.json). Only types here. */

/** Foreground intensity statistics of one channel (numpy: median, mean, std ddof 0, min, max, percentile linear). */
export interface IntensityProperties {
  readonly median: number;
  readonly mean: number;
  readonly sd: number;
  readonly min: number;
  readonly max: number;
  readonly percentile99_5: number;
  readonly percentile00_5: number;
  /** Number of sampled voxels (every 10th label > 0 voxel of the cropped cases). */
  readonly count: number;
}

/** What the fingerprint knows about one training case (recipe 3.1-3.3). */
export interface CaseFingerprint {
  readonly id: string;
  /** Spacing [z, y, x] in mm as read from the image header. */
  readonly spacing: readonly number[];
  /** Raw voxel shape [z, y, x]. */
  readonly shape: readonly number[];
  /** Shape [z, y, x] after crop-to-nonzero (at the original spacing). */
  readonly croppedShape: readonly number[];
  /** [[z0, z1], [y0, y1], [x0, x1]], upper bounds exclusive. */
  readonly cropBbox: readonly (readonly number[])[];
  /** prod(croppedShape) / prod(shape). */
  readonly sizeReduction: number;
  /** Label values present after cropping (including -1 when some background lies outside the nonzero mask). */
  readonly classes: readonly number[];
}

/** The dataset fingerprint (nnU-Net's dataset_properties, as JSON). */
export interface Fingerprint {
  /** Modality name per input channel, in channel order (`CT`, `MRI`, ...). */
  readonly modalities: readonly string[];
  /** Label values > 0 declared in dataset.json. */
  readonly allClasses: readonly number[];
  /** Label names keyed by value (including 0). */
  readonly labels: Readonly<Record<string, string>>;
  readonly cases: readonly CaseFingerprint[];
  /**
   * Per channel, pooled foreground statistics; present only when some modality is exactly `CT`/`ct`
   * (null for channels whose statistics were not collected).
   */
  readonly intensityProperties: readonly (IntensityProperties | null)[] | null;
}

/** One resolution stage of the plan (nnU-Net's plans_per_stage[k]); all per-axis arrays in transposed axis order. */
export interface StagePlan {
  /** Spacing [z, y, x] (transposed) this stage's data is resampled to. */
  readonly spacing: readonly number[];
  /** The full-resolution target spacing this stage was derived from. */
  readonly originalSpacing: readonly number[];
  /** Median case shape at this stage's spacing (rounded half to even, like numpy). */
  readonly medianShape: readonly number[];
  /** Network input patch [z, y, x]; a train parameter default. */
  readonly patchSize: readonly number[];
  /** Batch size from the VRAM proxy and the 5% dataset cap; a train parameter default. */
  readonly batchSize: number;
  readonly numPoolPerAxis: readonly number[];
  /** One [z, y, x] pooling kernel per down-sampling step. */
  readonly poolKernels: readonly (readonly number[])[];
  /** One [z, y, x] conv kernel per resolution level (pools + 1). */
  readonly convKernels: readonly (readonly number[])[];
  readonly doDummy2DDataAug: boolean;
  /** The planner's VRAM proxy for this patch and topology, and the reference it had to stay under. */
  readonly vramEstimate: number;
  readonly vramReference: number;
  /** Upper bound on the batch from "a batch covers at most 5% of the dataset's voxels". */
  readonly maxBatchSize: number;
  /** Features of the first level and the cap further down. */
  readonly baseFeatures: number;
  readonly maxFeatures: number;
}

export type NormalizationScheme = 'CT' | 'nonCT';

export interface Plans {
  /** Format marker of this file. */
  readonly format: 'pipe-plans/1';
  /** The reference planner these numbers follow. */
  readonly planner: 'ExperimentPlanner3D_v21';
  /** One line per field: what it means (units, axis order), for readers of the JSON file. */
  readonly about: Readonly<Record<string, string>>;
  /** Number of output classes including background. */
  readonly numClasses: number;
  /** Label names keyed by value, from dataset.json. */
  readonly labels: Readonly<Record<string, string>>;
  /** Foreground label values (> 0). */
  readonly allClasses: readonly number[];
  readonly modalities: readonly string[];
  readonly numInputChannels: number;
  /** Normalisation scheme per channel. */
  readonly normalization: readonly NormalizationScheme[];
  /** Per channel: z-score only inside the nonzero mask (nonCT with a median size reduction < 0.75). */
  readonly useMaskForNorm: readonly boolean[];
  /** Axis permutation applied before resampling ([0,1,2] unless the coarsest axis is not z). */
  readonly transposeForward: readonly number[];
  readonly transposeBackward: readonly number[];
  /** Full-resolution target spacing [z, y, x] before transposition. */
  readonly targetSpacing: readonly number[];
  /** Separate-z resampling is used when a spacing's max/min exceeds this. */
  readonly anisotropyThreshold: number;
  readonly convPerStage: number;
  readonly numCases: number;
  readonly configurations: {
    readonly '3d_fullres': StagePlan;
    readonly '3d_lowres'?: StagePlan;
  };
  /** The fingerprint the plan was computed from, minus per-case details (those are in fingerprint.json). */
  readonly fingerprint: {
    readonly medianShapeAtTarget: readonly number[];
    readonly intensityProperties: Fingerprint['intensityProperties'];
  };
}

export interface Split {
  readonly train: readonly string[];
  readonly val: readonly string[];
}

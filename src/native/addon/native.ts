// Types of what crosses the raw binding (native/src/binding). Only src/native/addon/ talks to it: index.ts validates
// and fills every option before a call, so the option shapes are "complete" (no optional fields). The training
// options' binding shape is derived from TrainOptions (train-option-types.ts); the binding's functions are declared
// where it is loaded (load.ts). Types only: kept as a .ts module so the emitted declarations in dist/ resolve.

export type Axes3 = [number, number, number];

/**
 * The network built from a plan (native/src/core/segmentation_network.h): 'unetpp' = pipe's UNet++ (nested decoder,
 * npool full-resolution heads), 'unet' = nnU-Net v1's Generic_UNet (one decoder stage per level, heads at 1/2^s).
 */
export type NetworkArchitecture = 'unetpp' | 'unet';

/** The network part of a plan: everything that fixes the network's shape (and the checkpoint's plan hash). */
export interface NetworkPlan {
  /**
   * Which network the plan builds; left out = core's default, 'unetpp'. A checkpoint records it (readCheckpointInfo
   * always reports it; checkpoints written before it existed report 'unetpp'), and prediction builds what it records.
   */
  architecture?: NetworkArchitecture;
  inChannels: number;
  /** Including background. */
  numClasses: number;
  baseFeatures: number;
  maxFeatures: number;
  /** npool entries of [z, y, x]. */
  poolKernels: Axes3[];
  /** npool + 1 entries of [z, y, x]. */
  convKernels: Axes3[];
}

export interface NativeCase {
  id: string;
  dataPath: string;
  segPath: string;
  /** class label -> flattened z,y,x triples; omitted: the runtime scans the seg itself. */
  classLocations?: Record<string, Int32Array>;
}

export type AmpSetting = 'auto' | 'off' | 'bf16' | 'fp16';
/** NDHWC (ChannelsLast3d) weights and inputs on CUDA: off, on, auto (on where the fused norm kernels run); ignored on the CPU. */
export type ChannelsLastSetting = 'off' | 'on' | 'auto';

export interface TrainProgress {
  kind: 'iteration' | 'epoch' | 'checkpoint';
  epoch: number;
  epochs: number;
  iteration: number;
  iterations: number;
  /** iteration: this batch's total loss (sum over heads); epoch: mean train loss. */
  loss: number;
  /** iteration: loss per head, in the network's head order (unetpp X^{0,1}..X^{0,npool}; unet coarsest first). */
  headLosses: number[];
  lr: number;
  samplesPerSecond: number;
  /** iteration events: seconds this rank's steps have stood still waiting for the loader threads so far (this call). */
  loaderWaitSeconds?: number;
  /** epoch events only (NaN without validation cases). */
  valLoss?: number;
  pseudoDice?: number;
  pseudoDiceEma?: number;
  /** epoch events: a new checkpoint_best.pt was written. */
  best?: boolean;
  /** checkpoint events: the file written. */
  checkpoint?: string;
  /** Ranks training together (1 = one process); loss, Dice and samplesPerSecond are global. */
  worldSize: number;
  /** Batch of each rank (their sum is the global batch). */
  rankBatchSizes: number[];
}

export interface TrainResult {
  epochsCompleted: number;
  /** true when stopped through the AbortSignal (checkpoint_latest.pt holds the state). */
  aborted: boolean;
  finalCheckpoint: string | null;
  latestCheckpoint: string | null;
  bestCheckpoint: string | null;
  trainLoss: number[];
  valLoss: number[];
  pseudoDice: number[];
  pseudoDiceEma: number[];
  bestPseudoDiceEma: number | null;
  seconds: number;
  samplesPerSecond: number;
  device: string;
  amp: string;
  threads: number;
  worldSize: number;
  /** '' for one process, else the c10d backend (gloo | nccl). */
  backend: string;
  rankBatchSizes: number[];
  /** 'off' | 'basic' | 'full'. */
  augmentation: string;
  /** The box the loader cuts (the enlarged patch for 'full'; loaderPatchSize otherwise). */
  sourcePatchSize: number[];
  /** Threads that made training batches (0 on a rank without a batch share). */
  loaderThreads: number;
  /** Seconds this rank's steps stood still waiting for those threads (this call): what data loading cost training. */
  loaderWaitSeconds: number;
  /** FNV-1a of the final weights' bytes: identical on every rank of a multi-device run. */
  weightsDigest: string;
}

export type NativeTrainMessage =
  | { type: 'progress'; event: TrainProgress }
  | { type: 'done'; result: TrainResult }
  | { type: 'error'; code: string; message: string };

export interface NativePredictOptions {
  checkpoint: string;
  /** Either volume + shape ... */
  volume?: Float32Array;
  shape?: [number, number, number, number];
  /** ... or a preprocessed <id>.data.npy. */
  dataPath?: string;
  /** [0, 0, 0] = the checkpoint's training patch. */
  patchSize: Axes3;
  step: number;
  gaussian: boolean;
  mirror: boolean;
  mirrorAxes: Axes3;
  head: string;
  tileBatch: number;
  device: string;
  amp: AmpSetting;
  threads: number;
  output: 'labels' | 'probabilities' | 'both';
}

/** defaultPredictOptions(): core's PredictOptions defaults (patchSize [0, 0, 0] = the checkpoint's patch). */
export type NativePredictDefaults = Omit<NativePredictOptions, 'checkpoint' | 'volume' | 'shape' | 'dataPath'>;

/** Tiles of one predictVolume call so far (core's TileProgress): 0 first, the total last. */
export interface TileProgress {
  readonly done: number;
  readonly total: number;
}

export interface Prediction {
  /** (K, Z, Y, X). */
  shape: [number, number, number, number];
  /** argmax, (Z, Y, X) C order. */
  labels?: Uint8Array;
  /** softmax, (K, Z, Y, X) C order. */
  probabilities?: Float32Array;
}

export interface CheckpointInfo {
  formatVersion: number;
  kind: 'latest' | 'best' | 'final';
  planHash: string;
  network: NetworkPlan;
  epoch: number;
  iteration: number;
  epochs: number;
  iterationsPerEpoch: number;
  batchSize: number;
  patchSize: Axes3;
  device: string;
  amp: string;
  torchVersion: string;
  trainLoss: number[];
  valLoss: number[];
  pseudoDice: number[];
  pseudoDiceEma: number[];
  bestPseudoDiceEma: number | null;
  /** `crc64:…`, checked against the content when read; null for a file written before checkpoints had one. */
  checksum: string | null;
}

export interface RuntimeInfo {
  torchVersion: string;
  builtWithCuda: boolean;
  cudaAvailable: boolean;
  cudaDeviceCount: number;
  intraOpThreads: number;
  /** Threads of the BLAS's own pool (OpenBLAS), sized with intraOpThreads; -1 where the BLAS reports none. */
  blasThreads: number;
  /** This build has c10d's Gloo process group (CPU multi-rank training); pip LibTorch wheels ship none. */
  c10dGloo: boolean;
  /** This build has c10d's NCCL process group (CUDA multi-rank training). */
  c10dNccl: boolean;
}

export type Shape3 = readonly [number, number, number];
export type BBox3 = [[number, number], [number, number], [number, number]];

export interface CropOutput {
  /** [[z0, z1], [y0, y1], [x0, x1]], upper bounds exclusive. */
  readonly bbox: BBox3;
  readonly shape: [number, number, number];
  readonly channels: Float32Array[];
  /** Cropped label: background outside the hole-filled nonzero mask is -1. */
  readonly seg: Int8Array;
}

/** Foreground intensity statistics with numpy semantics (the fingerprint's intensityProperties). */
export interface IntensityStats {
  readonly count: number;
  readonly median: number;
  readonly mean: number;
  readonly sd: number;
  readonly min: number;
  readonly max: number;
  readonly percentile99_5: number;
  readonly percentile00_5: number;
}

/** The preprocessing kernels (native/src/binding/preprocess_binding.cc); every call runs on a libuv worker. */
export interface PreprocessNative {
  /**
   * Spline resampling like skimage resize (mode edge, no anti-aliasing) == scipy zoom (grid_mode, mode nearest):
   * order 3 (default; images) or 1 (linear; probabilities on export). `nearestAxis` gets order 0 (-1: none).
   */
  resampleImage(
    data: Float32Array,
    shape: Shape3,
    newShape: Shape3,
    nearestAxis: number,
    threads: number,
    order?: 1 | 3,
  ): Promise<Float32Array>;
  /** nnU-Net resize_segmentation order 1 (label-wise linear, >= 0.5), order 0 along `nearestAxis`. */
  resampleLabels(seg: Int8Array, shape: Shape3, newShape: Shape3, nearestAxis: number, threads: number): Promise<Int8Array>;
  cropToNonzero(channels: Float32Array[], seg: Int8Array | null, shape: Shape3, threads: number): Promise<CropOutput>;
  /** Every `stride`-th voxel (C order) with seg > 0. */
  sampleForeground(image: Float32Array, seg: Int8Array, stride: number): Promise<Float32Array>;
  intensityStats(values: Float32Array): Promise<IntensityStats>;
  normalizeCT(data: Float32Array, lo: number, hi: number, mean: number, sd: number, threads: number): Promise<void>;
  normalizeZScore(data: Float32Array, mask: Int8Array | null, threads: number): Promise<void>;
}

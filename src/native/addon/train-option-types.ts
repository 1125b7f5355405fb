// The training options, as a caller gives them (TrainOptions: every field documented, most optional) and as the binding
// takes them (NativeTrainOptions: every field filled by resolveTrainOptions in options.ts). The binding's shape is
// derived from the caller's, so a new option is declared once, here. Types only.
import type { AmpSetting, Axes3, ChannelsLastSetting, NativeCase, NetworkPlan } from './native.js';

export type AugmentationPipeline = 'full' | 'basic';

export interface AugmentationOptions {
  /** false turns all of the below off. Default true. */
  enabled?: boolean;
  /**
   * 'full' (default): the reference's whole chain (rotation, scaling, noise, blur, brightness, contrast,
   * low resolution, gamma, inverted gamma, mirroring) on the enlarged source patch, made ahead of the training
   * step by loaderThreads native threads; loaderPatchSize is then ignored. 'basic': the same chain with rotation,
   * scaling, noise, blur, low resolution and inverted gamma off: centre crop of loaderPatchSize + mirroring,
   * brightness, contrast and gamma. The fields below apply to both.
   */
  pipeline?: AugmentationPipeline;
  /** Threads making batches (0 = 1 on CPU, 4 on an accelerator). */
  loaderThreads?: number;
  /** Mirror each enabled axis with probability mirrorP. Default true, axes [z, y, x] all on, p 0.5. */
  mirror?: boolean;
  mirrorAxes?: [boolean, boolean, boolean];
  mirrorP?: number;
  /** Per-sample probabilities (reference: 0.15, 0.15, 0.3). */
  brightnessP?: number;
  contrastP?: number;
  gammaP?: number;
}

export interface TrainOptions {
  network: NetworkPlan;
  trainCases: NativeCase[];
  /** Cases for the online validation pseudo-Dice (none: no validation, no model_best). */
  valCases?: NativeCase[];
  /** Existing directory; checkpoint_{latest,best,final}.pt land here. */
  outDir: string;
  patchSize: Axes3;
  /** Default 2. */
  batchSize?: number;
  /** Patch cut by the sampler before augmentation crops to patchSize (default patchSize). */
  loaderPatchSize?: Axes3;
  /** Defaults 1000 x 250, 50 validation batches per epoch. */
  epochs?: number;
  iterationsPerEpoch?: number;
  valIterations?: number;
  /** SGD: lr 0.01, momentum 0.99, Nesterov, weight decay 3e-5; poly exponent 0.9; gradient clip (L2) 12. */
  initialLr?: number;
  momentum?: number;
  nesterov?: boolean;
  weightDecay?: number;
  polyExponent?: number;
  gradClip?: number;
  /** Fraction of each batch forced to contain foreground (0.33). */
  oversampleForeground?: number;
  /** Batch Dice (true for 3d_fullres) and Dice smoothing (1e-5). */
  batchDice?: boolean;
  diceSmooth?: number;
  /**
   * Loss weight per head, in the network's head order: unetpp X^{0,1}..X^{0,npool}; unet its decoder outputs coarsest
   * (1/2^(npool-1)) first, full resolution last. Left out (resolved to []): the network's own, from core
   * (DefaultHeadWeights): unetpp all 1 (deep supervision, equal weights); unet nnU-Net v1's 1/2^s for the output at
   * scale 1/2^s, the coarsest 0, normalised (npool 5: [0, 1/15, 2/15, 4/15, 8/15]).
   */
  headWeights?: number[];
  augmentation?: AugmentationOptions;
  /** 'cpu' (default), 'cuda', 'cuda:<i>'. */
  device?: string;
  /** Mixed precision on CUDA: auto (bf16 if the GPU runs it, else fp16 + loss scaling), off, bf16, fp16. */
  amp?: AmpSetting;
  /** NDHWC (ChannelsLast3d) weights and inputs on CUDA: off, on, auto (default: on where the fused norm kernels run); the CPU ignores it. */
  channelsLast?: ChannelsLastSetting;
  /** Intra-op threads; default all cores. */
  threads?: number;
  /** Seeds sampling, augmentation and initialisation (CPU runs are deterministic given the seed). */
  seed?: number;
  /** Write checkpoint_latest.pt every N epochs (50); 0 = only at the end and on abort. */
  checkpointEvery?: number;
  /** Resume from this checkpoint (must hold the same network plan). */
  resumeFrom?: string;
  /** Iterations between 'iteration' progress events (1). */
  progressEvery?: number;
  /** EMA weight of the old pseudo-Dice value (0.9). */
  emaAlpha?: number;
  /**
   * Multi-device training (one process per rank, see src/native/distributed/): this process's rank in [0, worldSize)
   * and the world size (1 = one process, no c10d). Rank 0 serves the c10d TCPStore at masterAddr:masterPort,
   * writes the checkpoints and emits progress; every rank loads resumeFrom.
   */
  rank?: number;
  worldSize?: number;
  masterAddr?: string;
  masterPort?: number;
  /** The reference's --dbs: batchSize is the global batch, split across the ranks (default true). */
  splitBatch?: boolean;
  /** Rendezvous and collective timeout in seconds (300). */
  distributedTimeout?: number;
  /** c10d backend: auto (NCCL on CUDA when built with it, else Gloo), gloo, nccl. */
  distributedBackend?: 'auto' | 'gloo' | 'nccl';
}

/** The augmentation as the binding takes it: every field filled, the mirror axes as 0 / 1 flags (z, y, x). */
export type NativeAugmentation = Required<Omit<AugmentationOptions, 'mirrorAxes'>> & { mirrorAxes: Axes3 };

/** The options as the binding takes them: every TrainOptions field filled (resolveTrainOptions). */
export type NativeTrainOptions = Required<Omit<TrainOptions, 'augmentation'>> & { augmentation: NativeAugmentation };

/**
 * defaultTrainOptions(): every NativeTrainOptions field that has a default, as core's TrainOptions
 * (native/src/core/train_options.h) holds it; the per-run fields are left out. threads 0 means all cores.
 */
export type NativeTrainDefaults = Omit<
  NativeTrainOptions,
  'network' | 'trainCases' | 'valCases' | 'outDir' | 'patchSize' | 'loaderPatchSize' | 'headWeights'
>;

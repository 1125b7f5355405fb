import type { JSONSchemaType } from 'ajv';
import type { NetworkArchitecture } from '../../native/addon/index.js';
import { REFERENCE_RECIPE } from './recipe.js';

/**
 * `with:` of the train stage (JSON Schema with the reference's defaults) and its typed view; the
 * schema is checked against the interface at compile time (ajv's JSONSchemaType), so they cannot drift.
 * `batch_size`, `patch_size`, `base_features`, `max_features`, `loader_threads` and `threads` default to
 * null: the plan's value (threads: the cores given to the instance).
 */
export type TrainMode = 'train' | 'fps' | 'profile';

export interface TrainWith {
  readonly fold: number;
  readonly configuration: '3d_fullres' | '3d_lowres';
  readonly epochs: number;
  readonly iterations_per_epoch: number;
  readonly val_iterations: number;
  readonly batch_size?: number | null;
  readonly patch_size?: readonly number[] | null;
  readonly seed: number;
  readonly checkpoint_every: number;
  readonly mode: TrainMode;
  readonly network: NetworkArchitecture;
  readonly base_features?: number | null;
  readonly max_features?: number | null;
  readonly initial_lr: number;
  readonly oversample_foreground: number;
  readonly augmentation: 'full' | 'basic' | 'off';
  readonly loader_threads?: number | null;
  readonly amp: 'auto' | 'off' | 'bf16' | 'fp16';
  readonly channels_last: 'off' | 'on' | 'auto';
  readonly threads?: number | null;
}

const nullableInt = (minimum: number, description: string) =>
  ({ type: 'integer', nullable: true, minimum, default: null, description }) as const;

export const trainWithSchema: JSONSchemaType<TrainWith> = {
  type: 'object',
  additionalProperties: false,
  required: ['fold', 'configuration', 'epochs', 'iterations_per_epoch', 'val_iterations', 'seed', 'checkpoint_every', 'mode', 'network',
    'initial_lr', 'oversample_foreground', 'augmentation', 'amp', 'channels_last'],
  properties: {
    fold: { type: 'integer', minimum: 0, description: 'Cross-validation fold (index into splits.json).' },
    configuration: { type: 'string', enum: ['3d_fullres', '3d_lowres'], default: '3d_fullres' },
    epochs: { type: 'integer', minimum: 1, default: REFERENCE_RECIPE.epochs },
    iterations_per_epoch: { type: 'integer', minimum: 1, default: REFERENCE_RECIPE.iterationsPerEpoch },
    val_iterations: { type: 'integer', minimum: 0, default: 50, description: 'Online validation batches per epoch.' },
    batch_size: nullableInt(1, 'Global batch size (null: the plan\'s).'),
    patch_size: {
      type: 'array',
      nullable: true,
      items: { type: 'integer', minimum: 1 },
      minItems: 3,
      maxItems: 3,
      default: null,
      description: 'Patch [z, y, x] (null: the plan\'s); a multiple of the pool kernels\' product per axis.',
    },
    seed: { type: 'integer', minimum: 0, default: 0 },
    checkpoint_every: { type: 'integer', minimum: 0, default: 50, description: 'Epochs between latest checkpoints.' },
    mode: { type: 'string', enum: ['train', 'fps', 'profile'], default: 'train' },
    network: {
      type: 'string',
      enum: ['unetpp', 'unet'],
      default: REFERENCE_RECIPE.network,
      description: 'unetpp: the UNet++ (the reference\'s network); unet: nnU-Net v1\'s Generic_UNet for the same plan. ' +
        'The checkpoint records it; validate and predict build the network it records.',
    },
    base_features: nullableInt(1, 'Features of the first stage (null: the plan\'s, 32).'),
    max_features: nullableInt(1, 'Feature cap (null: the plan\'s, 320).'),
    initial_lr: { type: 'number', exclusiveMinimum: 0, default: REFERENCE_RECIPE.initialLr },
    oversample_foreground: { type: 'number', minimum: 0, maximum: 1, default: REFERENCE_RECIPE.oversampleForeground },
    augmentation: {
      type: 'string',
      enum: ['full', 'basic', 'off'],
      default: REFERENCE_RECIPE.augmentation,
      description: 'full: the reference\'s whole chain (rotation, scaling, noise, blur, brightness, contrast, ' +
        'low resolution, gamma, mirroring) made ahead of the step by loader threads; basic: mirroring, brightness, ' +
        'contrast and gamma only; off: none.',
    },
    loader_threads: nullableInt(1, 'Threads making augmented batches (null: 1 on CPU, 4 on an accelerator).'),
    amp: { type: 'string', enum: ['auto', 'off', 'bf16', 'fp16'], default: 'auto' },
    channels_last: {
      type: 'string',
      enum: ['off', 'on', 'auto'],
      default: 'auto',
      description: 'NDHWC (channels-last) weights and inputs on CUDA (auto: on where the fused InstanceNorm+LeakyReLU ' +
        'kernels run, which read and write NDHWC directly); the CPU ignores it.',
    },
    threads: nullableInt(1, 'Intra-op threads (null: the CPU cores per device).'),
  },
};


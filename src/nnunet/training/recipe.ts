/**
 * The reference recipe (nnU-Net v1's trainer, as the UNet++ fork trains it) and how a training run
 * departs from it: the schedule (1000 epochs × 250 iterations), the plan's patch, batch and network
 * width, the full augmentation chain, lr 0.01, foreground oversampling 0.33. train.json records the
 * departures, so that a report can say its figures come from a different training than the reference's.
 */
import type { PlanTraining } from '../../native/addon/index.js';

/** The trainer's settings in nnU-Net v1 (nnUNetTrainerV2); the train stage's `with` defaults. */
export const REFERENCE_RECIPE = {
  epochs: 1000,
  iterationsPerEpoch: 250,
  augmentation: 'full',
  initialLr: 0.01,
  oversampleForeground: 0.33,
  network: 'unetpp',
} as const;

/** One setting that differs from the reference: what this run used and what the reference uses. */
export interface RecipeDeparture {
  /** Human name of the setting, e.g. "epochs", "patch". */
  readonly setting: string;
  readonly value: string;
  readonly reference: string;
}

/** What a run trained with (after the plan's defaults were applied). */
export interface TrainedRecipe {
  readonly epochs: number;
  readonly iterationsPerEpoch: number;
  readonly patchSize: readonly number[];
  readonly batchSize: number;
  readonly baseFeatures: number;
  readonly maxFeatures: number;
  readonly augmentation: string;
  readonly initialLr: number;
  readonly oversampleForeground: number;
  /** The architecture trained (unetpp | unet). */
  readonly network: string;
}

const list = (v: readonly number[]): string => `[${v.join(', ')}]`;

/** The settings of `run` that differ from the reference recipe for this plan, in a fixed order. */
export function recipeDepartures(run: TrainedRecipe, plan: PlanTraining): RecipeDeparture[] {
  const ref = REFERENCE_RECIPE;
  const planned = "the plan's";
  const rows: [setting: string, value: string, reference: string, note?: string][] = [
    ['network', run.network, ref.network],
    ['epochs', String(run.epochs), String(ref.epochs)],
    ['iterations per epoch', String(run.iterationsPerEpoch), String(ref.iterationsPerEpoch)],
    ['patch', list(run.patchSize), list(plan.patchSize), planned],
    ['batch', String(run.batchSize), String(plan.batchSize), planned],
    ['network width (base features)', String(run.baseFeatures), String(plan.network.baseFeatures), planned],
    ['network width (max features)', String(run.maxFeatures), String(plan.network.maxFeatures), planned],
    ['augmentation', run.augmentation, ref.augmentation],
    ['initial lr', String(run.initialLr), String(ref.initialLr)],
    ['foreground oversampling', String(run.oversampleForeground), String(ref.oversampleForeground)],
  ];
  return rows
    .filter(([, value, reference]) => value !== reference)
    .map(([setting, value, reference, note]) => ({ setting, value, reference: note === undefined ? reference : `${reference}, ${note}` }));
}

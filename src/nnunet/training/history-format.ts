/**
 * The training history a train stage writes (history.json) and the report reads: one record per
 * finished epoch plus the run's throughput and wall time, and the field-by-field check of a history
 * read from disk (errors name the field, e.g. `folds[2].history.epochs[5].trainLoss`).
 */
import { fail, num, obj, str } from '../../util/field-check.js';

/** One finished epoch of a training run. */
export interface EpochRecord {
  /** 0-based epoch index. */
  readonly epoch: number;
  /** Mean training loss of the epoch (Dice+CE; negative values are normal). */
  readonly trainLoss: number;
  /** Mean validation loss of the epoch's online validation batches. */
  readonly valLoss: number;
  /** Online "global" pseudo-Dice, mean over foreground classes (recipe §8.5), 0..1. */
  readonly pseudoDice: number;
  /** The same per foreground class (label 1, 2, ...), NaN/null where undefined. */
  readonly pseudoDicePerClass?: readonly (number | null)[];
  /** Learning rate used in this epoch. */
  readonly lr: number;
  /** Wall time of this epoch in seconds. */
  readonly seconds: number;
}

/** A training run's history, as the train stage writes it. */
export interface TrainingHistory {
  readonly epochs: readonly EpochRecord[];
  /** Training throughput of the whole run, all devices together. */
  readonly samplesPerSecond: number;
  /** Wall time of the whole run in seconds (all attempts together when resumed). */
  readonly wallSeconds: number;
  /** Number of devices (processes) that trained. */
  readonly worldSize: number;
  /** Device description, e.g. "cpu", "cuda (NVIDIA H100)". */
  readonly device: string;
}

function checkEpoch(v: unknown, field: string): EpochRecord {
  const e = obj(v, field);
  const epoch = num(e['epoch'], `${field}.epoch`);
  if (!Number.isInteger(epoch) || epoch < 0) fail('a non-negative integer', `${field}.epoch`, e['epoch']);
  const perClass = e['pseudoDicePerClass'];
  if (perClass !== undefined && !Array.isArray(perClass)) fail('an array', `${field}.pseudoDicePerClass`, perClass);
  return {
    epoch,
    trainLoss: num(e['trainLoss'], `${field}.trainLoss`),
    valLoss: num(e['valLoss'], `${field}.valLoss`),
    pseudoDice: num(e['pseudoDice'], `${field}.pseudoDice`),
    ...(perClass === undefined
      ? {}
      : { pseudoDicePerClass: (perClass as unknown[]).map((d, i) => num(d, `${field}.pseudoDicePerClass[${i}]`)) }),
    lr: num(e['lr'], `${field}.lr`),
    seconds: num(e['seconds'], `${field}.seconds`),
  };
}

/** Checks a training history (e.g. the train stage's history.json); `field` prefixes error paths. */
export function checkTrainingHistory(v: unknown, field = 'history'): TrainingHistory {
  const h = obj(v, field);
  const epochs = h['epochs'];
  if (!Array.isArray(epochs)) fail('an array', `${field}.epochs`, epochs);
  return {
    epochs: (epochs as unknown[]).map((e, i) => checkEpoch(e, `${field}.epochs[${i}]`)),
    samplesPerSecond: num(h['samplesPerSecond'], `${field}.samplesPerSecond`),
    wallSeconds: num(h['wallSeconds'], `${field}.wallSeconds`),
    worldSize: num(h['worldSize'], `${field}.worldSize`),
    device: str(h['device'], `${field}.device`),
  };
}

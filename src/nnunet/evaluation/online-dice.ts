/**
 * The trainer's online "global Dice" (recipe §8.5, nnU-Net v1 `finish_online_evaluation`): tp/fp/fn
 * per foreground class summed over all validation batches of an epoch, Dice = 2tp/(2tp+fp+fn) per
 * class, NaN classes dropped, their mean is the epoch's pseudo-Dice. Not a per-case Dice.
 */
import { pairwiseSum } from './nanmean.js';

export interface OnlineCounts {
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
}

export interface OnlineDice {
  /** Per foreground class, NaN where the class appeared in neither prediction nor target. */
  readonly perClass: number[];
  /** Mean over the non-NaN classes (NaN when none). */
  readonly mean: number;
}

export function onlineGlobalDice(perClass: readonly OnlineCounts[]): OnlineDice {
  const dice = perClass.map(({ tp, fp, fn }) => (2 * tp) / (2 * tp + fp + fn));
  const valid = dice.filter((d) => !Number.isNaN(d));
  // np.mean of the list: numpy's pairwise sum / n (NaN for an empty list)
  const mean = pairwiseSum(valid) / valid.length;
  return { perClass: dice, mean };
}

/**
 * The paired statistics of one label between two runs, over the cases both share: the mean
 * difference (other − baseline, Dice points) with its bootstrap interval, the Wilcoxon signed-rank
 * test as scipy 1.10 computes it by default, and how many cases got better, worse or stayed equal.
 */
import { bootstrapMeanInterval, type BootstrapInterval } from '../../../util/stats/bootstrap.js';
import { signedRankTest, type SignedRankResult } from '../../../util/stats/signed-rank.js';
import type { CasePair } from './paired-cases.js';

export interface PairedDifference {
  /** Cases in the test. */
  readonly n: number;
  /** Mean of other − baseline in Dice points; null without pairs. */
  readonly meanDifference: number | null;
  readonly interval: BootstrapInterval | null;
  readonly wilcoxon: SignedRankResult;
  /** Cases where the other run's Dice is higher, lower, equal. */
  readonly better: number;
  readonly worse: number;
  readonly equal: number;
}

export function pairedDifference(pairs: readonly CasePair[]): PairedDifference {
  // The same subtraction scipy makes for wilcoxon(other, baseline): d = x - y.
  const d = pairs.map((p) => p.other - p.baseline);
  return {
    n: d.length,
    meanDifference: d.length === 0 ? null : d.reduce((a, b) => a + b, 0) / d.length,
    interval: bootstrapMeanInterval(d) ?? null,
    wilcoxon: signedRankTest(d),
    better: d.filter((v) => v > 0).length,
    worse: d.filter((v) => v < 0).length,
    equal: d.filter((v) => v === 0).length,
  };
}

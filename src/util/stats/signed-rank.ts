/**
 * The Wilcoxon signed-rank test on paired differences, two-sided, as Debian's scipy 1.10
 * `scipy.stats.wilcoxon(d)` computes it with its defaults (zero_method='wilcox', correction=False,
 * alternative='two-sided', method='auto'), so a p-value here is the one a reader gets from scipy:
 *
 * - `auto` picks the exact null distribution when there are at most 50 differences, counted
 *   *before* zeros are dropped, and the normal approximation otherwise;
 * - any zero difference switches an exact test to the normal approximation (scipy warns); only the
 *   approximation drops the zeros ('wilcox') and counts the rest;
 * - ties do not switch: the exact test ranks with averaged ranks and reads the distribution at the
 *   positive rank sum truncated to an integer (scipy's `int(r_plus)`);
 * - the approximation uses no continuity correction and subtracts ½ Σ t(t²−1) over tie groups
 *   from the variance's 24-fold numerator.
 *
 * The statistic is min(R+, R−). The checks against scipy are in test/util/stats/signed-rank.test.ts.
 */
import { normalTwoSidedP } from './normal.js';
import { averageRanks } from './ranks.js';

/** scipy's `method='auto'` threshold: exact up to this many differences (zeros included). */
export const EXACT_MAX_N = 50;

export type SignedRankResult =
  | {
      readonly testable: true;
      /** min(R+, R−) over the differences ranked. */
      readonly statistic: number;
      readonly pValue: number;
      /** `exact`: the exact null distribution; `normal`: the normal approximation (with the tie correction). */
      readonly method: 'exact' | 'normal';
      /** Differences ranked (zeros dropped by the normal approximation). */
      readonly n: number;
      readonly zeros: number;
      /** Values in groups of equal |difference| (0 when all differ). */
      readonly tied: number;
      /** The normal approximation's z; absent for the exact test. */
      readonly z?: number;
    }
  | { readonly testable: false; readonly reason: string; readonly n: number; readonly zeros: number };

/**
 * The null distribution of R+ for n untied ranks: P(R+ = r) for r = 0 … n(n+1)/2, built by adding
 * one rank at a time (each rank is in R+ with probability ½), in the order scipy adds the halves.
 */
export function signedRankDistribution(n: number): Float64Array {
  let c = new Float64Array([1]);
  for (let k = 1; k <= n; k++) {
    const prev = c;
    c = new Float64Array((k * (k + 1)) / 2 + 1);
    for (let i = 0; i < prev.length; i++) c[i] = (prev[i] as number) * 0.5;
    for (let i = 0; i < prev.length; i++) c[k + i] = (c[k + i] as number) + (prev[i] as number) * 0.5;
  }
  return c;
}

function sum(values: Float64Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += values[i] as number;
  return s;
}

/** The test on `differences` (B − A per pair); see the module comment for the exact rules. */
export function signedRankTest(differences: readonly number[]): SignedRankResult {
  const zeros = differences.filter((d) => d === 0).length;
  if (differences.length === 0) return { testable: false, reason: 'no paired values', n: 0, zeros };
  const exact = differences.length <= EXACT_MAX_N && zeros === 0;
  const d = exact ? differences : differences.filter((v) => v !== 0);
  if (d.length === 0) return { testable: false, reason: 'every paired difference is zero', n: 0, zeros };
  const { ranks, tieGroups } = averageRanks(d.map(Math.abs));
  let rPlus = 0;
  let rMinus = 0;
  d.forEach((v, i) => {
    if (v > 0) rPlus += ranks[i] as number;
    else if (v < 0) rMinus += ranks[i] as number;
  });
  const statistic = Math.min(rPlus, rMinus);
  const n = d.length;
  const tied = tieGroups.reduce((a, t) => a + t, 0);
  if (exact) {
    const pmf = signedRankDistribution(n);
    const r = Math.trunc(rPlus);
    let p: number;
    if (r === Math.floor((pmf.length - 1) / 2)) p = 1;
    else p = 2 * Math.min(sum(pmf, 0, r + 1), sum(pmf, r, pmf.length));
    return { testable: true, statistic, pValue: Math.min(1, Math.max(0, p)), method: 'exact', n, zeros, tied };
  }
  const mean = (n * (n + 1)) * 0.25;
  let variance24 = n * (n + 1) * (2 * n + 1);
  for (const t of tieGroups) variance24 -= 0.5 * (t * (t * t - 1));
  const z = (statistic - mean) / Math.sqrt(variance24 / 24);
  return { testable: true, statistic, pValue: normalTwoSidedP(z), method: 'normal', n, zeros, tied, z };
}

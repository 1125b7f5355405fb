/**
 * A percentile bootstrap confidence interval of a mean, reproducible from its seed: resample i takes
 * the values at the indices numpy's `RandomState(seed).randint(0, n, size=(resamples, n))[i]` draws,
 * and the bounds are numpy's `percentile` (linear) of the resampled means. So a reader can redo the
 * interval in numpy; test/util/stats/bootstrap.test.ts does.
 */
import { LegacyRandomState } from '../legacy-random-state.js';

export interface BootstrapOptions {
  /** Number of resamples (default 10 000). */
  readonly resamples?: number;
  /** Seed of the resampling (default 0). */
  readonly seed?: number;
  /** Confidence level in percent (default 95). */
  readonly levelPercent?: number;
}

export interface BootstrapInterval {
  readonly low: number;
  readonly high: number;
  readonly resamples: number;
  readonly seed: number;
  readonly levelPercent: number;
}

export const BOOTSTRAP_DEFAULTS = { resamples: 10_000, seed: 0, levelPercent: 95 } as const;

/** numpy's linear interpolation between neighbours, including its form for fractions >= ½. */
function lerp(a: number, b: number, t: number): number {
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** numpy.percentile(sorted, q) with the default 'linear' method; `sorted` ascending, q in percent. */
export function percentileOfSorted(sorted: Float64Array, q: number): number {
  const pos = (sorted.length - 1) * (q / 100);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return lerp(sorted[lo] as number, sorted[hi] as number, pos - lo);
}

/** The interval of mean(values); undefined for no values. */
export function bootstrapMeanInterval(values: readonly number[], options: BootstrapOptions = {}): BootstrapInterval | undefined {
  const n = values.length;
  if (n === 0) return undefined;
  const resamples = options.resamples ?? BOOTSTRAP_DEFAULTS.resamples;
  const seed = options.seed ?? BOOTSTRAP_DEFAULTS.seed;
  const levelPercent = options.levelPercent ?? BOOTSTRAP_DEFAULTS.levelPercent;
  if (!Number.isInteger(resamples) || resamples < 1) throw new Error(`Expected a positive integer for resamples but received ${resamples}`);
  if (!(levelPercent > 0 && levelPercent < 100)) throw new Error(`Expected a level between 0 and 100 (percent) but received ${levelPercent}`);
  const random = new LegacyRandomState(seed);
  const means = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += values[random.interval(n - 1)] as number;
    means[b] = s / n;
  }
  means.sort();
  const tail = (100 - levelPercent) / 2;
  return { low: percentileOfSorted(means, tail), high: percentileOfSorted(means, 100 - tail), resamples, seed, levelPercent };
}

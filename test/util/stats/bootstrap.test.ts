// The bootstrap interval against numpy: RandomState(seed).randint(0, n, (B, n)) resamples and
// numpy.percentile of their means, as the module promises a reader can redo it.
import { describe, expect, it } from 'vitest';
import { bootstrapMeanInterval, percentileOfSorted } from '../../../src/util/stats/bootstrap.js';
import { hasPython, pythonEval } from '../../nnunet/evaluation/python-helper.js';
import { prng } from '../../helpers/prng.js';

const NUMPY = `
import json, sys
import numpy as np
out = []
for c in json.load(sys.stdin):
    d = np.asarray(c['values'], dtype=float)
    idx = np.random.RandomState(c['seed']).randint(0, len(d), size=(c['resamples'], len(d)))
    lo, hi = np.percentile(d[idx].mean(axis=1), [c['tail'], 100 - c['tail']])
    out.append([float(lo), float(hi)])
print(json.dumps(out))
`;

describe('bootstrap interval of a mean', () => {
  const r = prng(11);
  const cases = [
    { values: [1.5, -2, 0.25], seed: 0, resamples: 2000, levelPercent: 95 },
    { values: Array.from({ length: 20 }, () => 6 * (r() - 0.4)), seed: 0, resamples: 10_000, levelPercent: 95 },
    { values: Array.from({ length: 131 }, () => Number((4 * (r() - 0.5)).toFixed(2))), seed: 7, resamples: 5000, levelPercent: 90 },
  ];

  it.runIf(hasPython)('equals numpy (RandomState resamples, linear percentile) to 1e-9', () => {
    const expected = JSON.parse(pythonEval(NUMPY, JSON.stringify(cases.map((c) => ({ ...c, tail: (100 - c.levelPercent) / 2 }))))) as [number, number][];
    cases.forEach((c, i) => {
      const ours = bootstrapMeanInterval(c.values, c);
      const [lo, hi] = expected[i] as [number, number];
      expect(Math.abs((ours?.low ?? NaN) - lo)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(lo)));
      expect(Math.abs((ours?.high ?? NaN) - hi)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(hi)));
    });
  });

  it('states its resamples, seed and level, and covers the mean', () => {
    const ci = bootstrapMeanInterval([1, 2, 3, 4, 10]);
    expect(ci).toMatchObject({ resamples: 10_000, seed: 0, levelPercent: 95 });
    expect(ci!.low).toBeLessThan(4);
    expect(ci!.high).toBeGreaterThan(4);
    expect(bootstrapMeanInterval([2.5])).toMatchObject({ low: 2.5, high: 2.5 });
    expect(bootstrapMeanInterval([])).toBeUndefined();
  });

  it('interpolates percentiles as numpy does', () => {
    const s = new Float64Array([0, 10, 20, 30]);
    expect(percentileOfSorted(s, 50)).toBe(15);
    expect(percentileOfSorted(s, 0)).toBe(0);
    expect(percentileOfSorted(s, 100)).toBe(30);
    expect(percentileOfSorted(s, 2.5)).toBeCloseTo(0.75, 12);
  });
});

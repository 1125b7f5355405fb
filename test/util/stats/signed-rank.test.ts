// The signed-rank test against Debian's scipy 1.10 `scipy.stats.wilcoxon(b, a)` with its default
// arguments, called live (so the check cannot drift from the scipy installed): exact and normal
// paths, the n <= 50 switch, zeros, ties (exact test with averaged ranks), and Dice-like data.
import { describe, expect, it } from 'vitest';
import { EXACT_MAX_N, signedRankDistribution, signedRankTest } from '../../../src/util/stats/signed-rank.js';
import { hasPython, pythonEval } from '../../nnunet/evaluation/python-helper.js';
import { prng } from '../../helpers/prng.js';

interface Pairs {
  readonly name: string;
  readonly a: readonly number[];
  readonly b: readonly number[];
}

const SCIPY = `
import json, sys, warnings
import scipy
from scipy.stats import wilcoxon
warnings.simplefilter('ignore')
out = {'version': scipy.__version__, 'results': []}
for case in json.load(sys.stdin):
    try:
        r = wilcoxon(case['b'], case['a'])
        out['results'].append({'statistic': float(r.statistic), 'p': float(r.pvalue)})
    except ValueError as e:
        out['results'].append({'error': str(e)})
print(json.dumps(out))
`;

/** Pairs whose differences b - a are `d` (a = 50, b = 50 + d: d itself is exact in floating point for these values). */
const fromDifferences = (name: string, d: readonly number[]): Pairs => ({ name, a: d.map(() => 50), b: d.map((v) => 50 + v) });

function diceLike(name: string, n: number, seed: number, shift: number, round: number): Pairs {
  const r = prng(seed);
  const a = Array.from({ length: n }, () => Number((60 + 35 * r()).toFixed(round)));
  const b = a.map((v) => Number(Math.min(100, v + shift + 6 * (r() - 0.5)).toFixed(round)));
  return { name, a, b };
}

const range = (n: number, f: (i: number) => number): number[] => Array.from({ length: n }, (_, i) => f(i));

const CASES: readonly Pairs[] = [
  fromDifferences('n=1', [0.5]),
  fromDifferences('n=3, R+ at the centre of the distribution (p = 1)', [1, 2, -3]),
  fromDifferences('n=5 distinct', [1.5, -0.25, 3, 4.75, 2]),
  fromDifferences('n=10 with a tie (exact, R+ = 39.5 read as 39)', [1, -1, 2, 3, -4, 5, 6, 7, -8, 9]),
  fromDifferences('n=12, five tie groups (exact, R+ = 50.5)', [1, -1, 2, -2, 3, -3, 4, -4, 5, -5, 6, 7]),
  fromDifferences('n=14, tie groups within and across signs (exact, R+ = 77.5)', [1, 1, 2, 2, -3, 3, 4, 5, -6, 7, 8, 8, -9, 10]),
  fromDifferences('n=8 with zeros (normal approximation, zeros dropped)', [0, 1, -2, 0, 3, 4, 5, -6]),
  fromDifferences('n=30 all positive (exact, tiny p)', range(30, (i) => i + 1)),
  fromDifferences(`n=${EXACT_MAX_N} distinct (last exact)`, range(EXACT_MAX_N, (i) => (i % 3 === 0 ? -1 : 1) * (i + 1))),
  fromDifferences(`n=${EXACT_MAX_N} with one zero (normal)`, range(EXACT_MAX_N, (i) => (i === 7 ? 0 : (i % 3 === 0 ? -1 : 1) * (i + 1)))),
  fromDifferences(`n=${EXACT_MAX_N + 1} distinct (first normal)`, range(EXACT_MAX_N + 1, (i) => (i % 3 === 0 ? -1 : 1) * (i + 1))),
  fromDifferences('n=60 all positive (normal, p ~ 1e-11)', range(60, (i) => i + 1)),
  fromDifferences('n=120 with ties and zeros (normal, tie correction)', range(120, (i) => ((i * 7) % 11) - 4)),
  fromDifferences('n=53 with only two values (large tie groups)', range(53, (i) => (i % 4 === 0 ? -2 : 2))),
  diceLike('Dice-like n=20, 2 decimals', 20, 1, 1.5, 2),
  diceLike('Dice-like n=45, 1 decimal (ties and zeros)', 45, 2, 0.3, 1),
  diceLike('Dice-like n=131 (Task03), 2 decimals', 131, 3, -0.8, 2),
  diceLike('Dice-like n=131, full precision', 131, 4, 0.2, 12),
];

describe.runIf(hasPython)('signed-rank test = scipy 1.10 wilcoxon (defaults)', () => {
  const answer = JSON.parse(pythonEval(SCIPY, JSON.stringify(CASES))) as { version: string; results: ({ statistic: number; p: number } | { error: string })[] };

  it('runs against scipy 1.10', () => {
    expect(answer.version).toMatch(/^1\.10\./);
  });

  CASES.forEach((c, i) => {
    it(c.name, () => {
      const expected = answer.results[i];
      const ours = signedRankTest(c.b.map((v, j) => v - (c.a[j] as number)));
      if (expected === undefined || 'error' in expected || !ours.testable) throw new Error(`no result: ${JSON.stringify({ expected, ours })}`);
      expect(ours.statistic).toBe(expected.statistic);
      // Relative, so that tiny p-values are checked too.
      expect(Math.abs(ours.pValue - expected.p)).toBeLessThanOrEqual(1e-9 * expected.p);
    });
  });

  it('every difference zero: scipy refuses, we say why and give no p-value', () => {
    const zeros = fromDifferences('zeros', [0, 0, 0]);
    const scipy = (JSON.parse(pythonEval(SCIPY, JSON.stringify([zeros]))) as { results: { error?: string }[] }).results[0];
    expect(scipy?.error).toMatch(/zero for all elements/);
    expect(signedRankTest([0, 0, 0])).toEqual({ testable: false, reason: 'every paired difference is zero', n: 0, zeros: 3 });
  });
});

describe('signed-rank test: which method, and what it counts', () => {
  it('is exact up to 50 differences without zeros, normal with a zero or beyond 50', () => {
    expect(signedRankTest(range(50, (i) => i + 1))).toMatchObject({ method: 'exact', n: 50, zeros: 0 });
    expect(signedRankTest([0, ...range(49, (i) => i + 1)])).toMatchObject({ method: 'normal', n: 49, zeros: 1 });
    expect(signedRankTest(range(51, (i) => i + 1))).toMatchObject({ method: 'normal', n: 51 });
  });

  it('keeps ties in the exact test and counts them', () => {
    expect(signedRankTest([1, -1, 2, 3])).toMatchObject({ method: 'exact', tied: 2, statistic: 1.5 });
  });

  it('has no test without pairs', () => {
    expect(signedRankTest([])).toEqual({ testable: false, reason: 'no paired values', n: 0, zeros: 0 });
  });

  it('builds the null distribution of R+ (n = 3: 8 sign patterns over sums 0..6)', () => {
    expect([...signedRankDistribution(3)].map((p) => p * 8)).toEqual([1, 1, 1, 2, 1, 1, 1]);
    const p = signedRankDistribution(20);
    expect(p.length).toBe(211);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });
});

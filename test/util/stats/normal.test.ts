// erfc against Debian's scipy.special.erfc over both branches (series and continued fraction).
import { describe, expect, it } from 'vitest';
import { erfc, normalTwoSidedP } from '../../../src/util/stats/normal.js';
import { hasPython, pythonEval } from '../../nnunet/evaluation/python-helper.js';

const XS = [0, 1e-8, 0.01, 0.3, 0.7071, 1, 1.5, 2, 2.4999, 2.5, 2.5001, 3, 4, 5.5, 8, 12, 20, 26, -0.5, -3];

describe('erfc', () => {
  it.runIf(hasPython)('agrees with scipy.special.erfc to 1e-12 relative', () => {
    const expected = JSON.parse(pythonEval('import json,sys\nfrom scipy.special import erfc\nprint(json.dumps([float(erfc(x)) for x in json.load(sys.stdin)]))', JSON.stringify(XS))) as number[];
    XS.forEach((x, i) => {
      const e = expected[i] as number;
      expect(Math.abs(erfc(x) - e), `erfc(${x})`).toBeLessThanOrEqual(1e-12 * e);
    });
  });

  it('has the limits and symmetry of erfc', () => {
    expect(erfc(0)).toBe(1);
    expect(erfc(Infinity)).toBe(0);
    expect(erfc(-Infinity)).toBe(2);
    expect(Number.isNaN(erfc(NaN))).toBe(true);
    expect(normalTwoSidedP(1.959963984540054)).toBeCloseTo(0.05, 14);
    expect(normalTwoSidedP(-1.959963984540054)).toBeCloseTo(0.05, 14);
  });
});

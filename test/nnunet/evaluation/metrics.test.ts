import { describe, expect, it } from 'vitest';

import { confusionCounts } from '../../../src/nnunet/evaluation/confusion.js';
import { labelMetrics } from '../../../src/nnunet/evaluation/metrics.js';
import { METRIC_NAMES } from '../../../src/nnunet/evaluation/types.js';

describe('confusionCounts', () => {
  it('counts each label against everything else, background included', () => {
    // test:      0 1 1 2 0 1 2 2
    // reference: 0 1 0 2 1 1 0 2
    const test = Uint8Array.from([0, 1, 1, 2, 0, 1, 2, 2]);
    const ref = Uint8Array.from([0, 1, 0, 2, 1, 1, 0, 2]);
    const c = confusionCounts(test, ref, [0, 1, 2]);
    // label 0: test0 at {0,4}, ref0 at {0,2,6}: tp {0}=1, fp {4}=1, fn {2,6}=2, tn 4
    expect(c.get(0)).toEqual({ tp: 1, fp: 1, fn: 2, tn: 4 });
    // label 1: test1 {1,2,5}, ref1 {1,4,5}: tp 2, fp 1, fn 1, tn 4
    expect(c.get(1)).toEqual({ tp: 2, fp: 1, fn: 1, tn: 4 });
    // label 2: test2 {3,6,7}, ref2 {3,7}: tp 2, fp 1, fn 0, tn 5
    expect(c.get(2)).toEqual({ tp: 2, fp: 1, fn: 0, tn: 5 });
  });

  it('accepts int8 volumes and an absent label', () => {
    const c = confusionCounts(Int8Array.from([0, 1]), Int8Array.from([1, 1]), [1, 3]);
    expect(c.get(1)).toEqual({ tp: 1, fp: 0, fn: 1, tn: 0 });
    expect(c.get(3)).toEqual({ tp: 0, fp: 0, fn: 0, tn: 2 });
  });

  it('rejects mismatched shapes, empty volumes and negative labels with a clear message', () => {
    expect(() => confusionCounts(new Uint8Array(3), new Uint8Array(4), [0], 'liver_3')).toThrow(
      /same number of voxels.*liver_3.*3 vs 4/,
    );
    expect(() => confusionCounts(new Uint8Array(0), new Uint8Array(0), [0], 'liver_3')).toThrow(/non-empty/);
    expect(() => confusionCounts(Int8Array.from([0, -1]), Int8Array.from([0, 0]), [0], 'liver_7')).toThrow(
      /labels >= 0 in the test volume of liver_7 but received -1 \(1 voxels\)/,
    );
  });
});

describe('labelMetrics', () => {
  it('computes the 13 metrics of a hand-worked case', () => {
    // tp 2, fp 1, fn 1, tn 4 (N 8)
    const m = labelMetrics({ tp: 2, fp: 1, fn: 1, tn: 4 });
    expect(Object.keys(m)).toEqual([...METRIC_NAMES]);
    expect(m.Dice).toBe(4 / 6);
    expect(m.Jaccard).toBe(2 / 4);
    expect(m.Precision).toBe(2 / 3);
    expect(m.Recall).toBe(2 / 3);
    expect(m.Accuracy).toBe(6 / 8);
    expect(m['True Negative Rate']).toBe(4 / 5);
    expect(m['False Positive Rate']).toBe(1 - 4 / 5);
    expect(m['False Omission Rate']).toBe(1 / 5);
    expect(m['Negative Predictive Value']).toBe(1 - 1 / 5);
    expect(m['False Negative Rate']).toBe(1 - 2 / 3);
    expect(m['False Discovery Rate']).toBe(1 - 2 / 3);
    expect(m['Total Positives Test']).toBe(3);
    expect(m['Total Positives Reference']).toBe(3);
  });

  it('follows the NaN rules: test and reference both empty', () => {
    const m = labelMetrics({ tp: 0, fp: 0, fn: 0, tn: 10 });
    for (const k of ['Dice', 'Jaccard', 'Precision', 'Recall', 'False Negative Rate', 'False Discovery Rate'] as const) {
      expect(m[k], k).toBeNaN();
    }
    expect(m.Accuracy).toBe(1);
    expect(m['True Negative Rate']).toBe(1);
    expect(m['False Positive Rate']).toBe(0);
    expect(m['False Omission Rate']).toBe(0);
    expect(m['Total Positives Test']).toBe(0);
  });

  it('follows the NaN rules: empty prediction, present reference (a missed tumour)', () => {
    const m = labelMetrics({ tp: 0, fp: 0, fn: 5, tn: 5 });
    expect(m.Dice).toBe(0);
    expect(m.Jaccard).toBe(0);
    expect(m.Precision).toBeNaN();
    expect(m['False Discovery Rate']).toBeNaN();
    expect(m.Recall).toBe(0);
    expect(m['False Negative Rate']).toBe(1);
  });

  it('follows the NaN rules: empty reference, false positives', () => {
    const m = labelMetrics({ tp: 0, fp: 3, fn: 0, tn: 7 });
    expect(m.Dice).toBe(0);
    expect(m.Recall).toBeNaN();
    expect(m['False Negative Rate']).toBeNaN();
    expect(m.Precision).toBe(0);
    expect(m['False Positive Rate']).toBe(1 - 7 / 10);
  });

  it('follows the NaN rules: full reference and full prediction', () => {
    const m = labelMetrics({ tp: 10, fp: 0, fn: 0, tn: 0 });
    expect(m.Dice).toBe(1);
    expect(m['True Negative Rate']).toBeNaN();
    expect(m['False Positive Rate']).toBeNaN();
    expect(m['False Omission Rate']).toBeNaN();
    expect(m['Negative Predictive Value']).toBeNaN();
  });

  it('rejects counts that are not counts', () => {
    expect(() => labelMetrics({ tp: -1, fp: 0, fn: 0, tn: 1 })).toThrow(/non-negative integer for tp/);
    expect(() => labelMetrics({ tp: 0, fp: 0, fn: 0, tn: 0 })).toThrow(/non-empty volume/);
  });
});

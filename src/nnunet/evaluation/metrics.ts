/**
 * The reference's 13 per-label metrics from confusion counts (nnU-Net v1 `evaluation/metrics.py`),
 * with its `nan_for_nonexisting=True` rules: Dice/Jaccard NaN when test and reference are both empty,
 * Precision NaN when test is empty, Recall NaN when reference is empty, TNR/FPR NaN when reference
 * fills the volume, FOR/NPV NaN when test fills it. Derived metrics are computed as `1 - x` exactly
 * like the reference so the floats agree bit for bit.
 */
import type { ConfusionCounts, LabelMetrics } from './types.js';

function checkCounts(c: ConfusionCounts): void {
  for (const key of ['tp', 'fp', 'tn', 'fn'] as const) {
    const v = c[key];
    if (!Number.isSafeInteger(v) || v < 0) {
      throw new Error(`Expected a non-negative integer for ${key} but received ${String(v)} (${typeof v})`);
    }
  }
  if (c.tp + c.fp + c.tn + c.fn === 0) throw new Error('Expected a non-empty volume but received 0 voxels');
}

/** All 13 metrics of one label, keys in the reference's (sorted) order. */
export function labelMetrics(c: ConfusionCounts): LabelMetrics {
  checkCounts(c);
  const { tp, fp, tn, fn } = c;
  const n = tp + fp + tn + fn;
  const testEmpty = tp + fp === 0;
  const testFull = tp + fp === n;
  const referenceEmpty = tp + fn === 0;
  const referenceFull = tp + fn === n;

  const dice = testEmpty && referenceEmpty ? NaN : (2 * tp) / (2 * tp + fp + fn);
  const jaccard = testEmpty && referenceEmpty ? NaN : tp / (tp + fp + fn);
  const precision = testEmpty ? NaN : tp / (tp + fp);
  const recall = referenceEmpty ? NaN : tp / (tp + fn);
  const specificity = referenceFull ? NaN : tn / (tn + fp);
  const falseOmissionRate = testFull ? NaN : fn / (fn + tn);

  return {
    Accuracy: (tp + tn) / n,
    Dice: dice,
    'False Discovery Rate': 1 - precision,
    'False Negative Rate': 1 - recall,
    'False Omission Rate': falseOmissionRate,
    'False Positive Rate': 1 - specificity,
    Jaccard: jaccard,
    'Negative Predictive Value': 1 - falseOmissionRate,
    Precision: precision,
    Recall: recall,
    'Total Positives Reference': tp + fn,
    'Total Positives Test': tp + fp,
    'True Negative Rate': specificity,
  };
}

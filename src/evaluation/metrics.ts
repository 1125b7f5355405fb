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

/** All 13 metrics of one label, in the reference's order. */
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
    'False Positive Rate': 1 - specificity,
    Dice: dice,
    Jaccard: jaccard,
    Precision: precision,
    Recall: recall,
    Accuracy: (tp + tn) / n,
    'False Omission Rate': falseOmissionRate,
    'Negative Predictive Value': 1 - falseOmissionRate,
    'False Negative Rate': 1 - recall,
    'True Negative Rate': specificity,
    'False Discovery Rate': 1 - precision,
    'Total Positives Test': tp + fp,
    'Total Positives Reference': tp + fn,
  };
}

/**
 * Evaluates a fold's predictions against the ground truth, one case at a time (volumes are loaded,
 * counted and dropped), and builds its summary.json object. The NIfTI reading is the caller's:
 * each case supplies a loader returning two label volumes in the same voxel order.
 */
import { confusionCounts } from './confusion.js';
import { buildSummary } from './summary.js';
import type { CaseEvaluation, LabelMap, SummaryHeader, SummaryJson } from './types.js';

export interface CaseToEvaluate {
  readonly id: string;
  /** Prediction path, written as `test`. */
  readonly test: string;
  /** Ground-truth path, written as `reference`. */
  readonly reference: string;
  load(): Promise<{ readonly test: LabelMap; readonly reference: LabelMap }>;
}

/**
 * `labels`: every label evaluated, background included (the reference uses range(numClasses)).
 * `onCase` is called after each case (progress reporting).
 */
export async function evaluateFold(
  header: SummaryHeader,
  cases: readonly CaseToEvaluate[],
  labels: readonly number[],
  onCase?: (done: number, total: number, id: string) => void,
): Promise<SummaryJson> {
  const evaluations: CaseEvaluation[] = [];
  for (const c of cases) {
    const { test, reference } = await c.load();
    evaluations.push({ id: c.id, test: c.test, reference: c.reference, counts: confusionCounts(test, reference, labels, c.id) });
    onCase?.(evaluations.length, cases.length, c.id);
  }
  return buildSummary(header, evaluations, labels);
}

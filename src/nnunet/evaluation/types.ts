/**
 * Shapes of the evaluation layer (src/nnunet/evaluation/): confusion counts, the 13 per-label metrics and
 * the reference's `summary.json` (nnU-Net v1 `evaluation/evaluator.py: aggregate_scores`). Only types.
 */

/** A label volume: one label id per voxel, C-order, prediction and reference in the same shape. */
export type LabelMap = Uint8Array | Int8Array;

/** Binary confusion counts of one label over a whole volume (the label vs everything else). */
export interface ConfusionCounts {
  readonly tp: number;
  readonly fp: number;
  readonly tn: number;
  readonly fn: number;
}

/**
 * The 13 metric names in the order the reference evaluates them: `Evaluator.default_metrics`
 * sorted (`self.metrics.sort()` in `Evaluator.evaluate`), i.e. Python string order. The order
 * matters: it is the insertion order hashed into `summary.json`'s `id`.
 */
export const METRIC_NAMES = [
  'Accuracy',
  'Dice',
  'False Discovery Rate',
  'False Negative Rate',
  'False Omission Rate',
  'False Positive Rate',
  'Jaccard',
  'Negative Predictive Value',
  'Precision',
  'Recall',
  'Total Positives Reference',
  'Total Positives Test',
  'True Negative Rate',
] as const;

export type MetricName = (typeof METRIC_NAMES)[number];

/** The two metrics the reference writes as Python ints per case (floats in `results.mean`). */
export const INTEGER_METRICS: ReadonlySet<MetricName> = new Set<MetricName>([
  'Total Positives Test',
  'Total Positives Reference',
]);

/** One label's metrics. NaN where the reference's `nan_for_nonexisting` rule applies. */
export type LabelMetrics = Record<MetricName, number>;

/**
 * One case in `results.all`: a metrics object per label id ("0", "1", ...) plus the prediction
 * (`test`) and ground-truth (`reference`) paths.
 */
export type CaseMetrics = { readonly [label: string]: LabelMetrics | string } & {
  readonly test: string;
  readonly reference: string;
};

/** `summary.json` as the reference writes it (validation_raw/summary.json). */
export interface SummaryJson {
  readonly author: string;
  readonly description: string;
  /** First 12 hex digits of md5(json.dumps(dict before id)) -- see summary-id.ts. */
  readonly id: string;
  /** e.g. "nnUNetPlusPlusTrainerV2 val tiled True". */
  readonly name: string;
  readonly results: {
    /** Per case, in sorted case-id order. */
    readonly all: readonly CaseMetrics[];
    /** Per label id: nan-mean over cases of every metric. */
    readonly mean: { readonly [label: string]: LabelMetrics };
  };
  /** e.g. "Task003_Liver". */
  readonly task: string;
  /** Python `str(datetime.today())`: "2021-01-01 12:34:56.789012". */
  readonly timestamp: string;
}

/** One evaluated case as handed to `buildSummary`. */
export interface CaseEvaluation {
  /** Case id (e.g. liver_3); cases are ordered by it (Python string order) in `results.all`. */
  readonly id: string;
  /** Prediction path written into `test`. */
  readonly test: string;
  /** Ground-truth path written into `reference`. */
  readonly reference: string;
  /** Confusion counts per label id, for every evaluated label. */
  readonly counts: ReadonlyMap<number, ConfusionCounts>;
}

/** Header fields of a summary (everything but results and id). */
export interface SummaryHeader {
  readonly name: string;
  readonly description?: string;
  readonly task: string;
  readonly author?: string;
  /** Defaults to now, formatted like Python's `str(datetime.today())` in local time. */
  readonly timestamp?: string;
}

/** report.json of a pipeline with variants (matrix axes beside the fold): its shape. Only types. */
import type { MatrixValue } from '../../../stage-api/types.js';
import type { ReportComparison } from '../compare/report-comparison.js';
import type { LabelReport } from '../types.js';

/** One variant of a report over several (report.json `variants`); its own report is `dir`/report.json. */
export interface ReportVariant {
  /** `network=unet`: the matrix values beside the fold that make the variant. */
  readonly name: string;
  readonly matrix: Readonly<Record<string, MatrixValue>>;
  /** Its own report's folder, relative to the report's (report.json, report.md, report.html, plots/). */
  readonly dir: string;
  readonly folds: number;
  readonly summary: readonly LabelReport[];
  readonly totalTrainingSeconds: number;
}

/**
 * report.json of a pipeline with variants (matrix axes beside the fold): the variants, each with its own
 * report, and the paired comparison of each variant against the first, as `pipe compare` sets runs side by side.
 */
export interface VariantsReport {
  readonly pipeline: string;
  readonly task: string;
  readonly generatedAt: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly variants: readonly ReportVariant[];
  readonly comparison: ReportComparison;
}

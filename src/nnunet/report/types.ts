/**
 * Shapes of the reporting layer (src/nnunet/report/): what the train and validate stages hand over
 * (a training history, a fold's summary.json) and what the report stage writes (report.json).
 * Only types. Dice values in the report are percentages (0..100), like the reference's tables.
 */
import type { SummaryJson } from '../evaluation/types.js';
import type { EpochRecord, TrainingHistory } from '../training/history-format.js';
import type { RecipeDeparture } from '../training/recipe.js';
import type { FoldAttempts } from '../training/train-record.js';

export type { EpochRecord, TrainingHistory } from '../training/history-format.js';
export type { RecipeDeparture } from '../training/recipe.js';
export type { FoldAttempts } from '../training/train-record.js';

/** One fold as given to the report. */
export interface FoldInput {
  readonly fold: number;
  /** The fold's validation summary.json (src/nnunet/evaluation). */
  readonly summary: SummaryJson;
  /** The fold's training history; absent when only validation results are available. */
  readonly history?: TrainingHistory;
  /** The summary.json after the fold's largest-component postprocessing (recipe 10.5), when run. */
  readonly postprocessed?: SummaryJson;
  /** How the fold's training departs from the reference recipe (train.json); absent when not recorded. */
  readonly departures?: readonly RecipeDeparture[];
  /** The fold's training attempts (train.json); absent when not recorded. */
  readonly attempts?: FoldAttempts;
}

/** Everything the report stage gathers. */
export interface ReportInput {
  /** Pipeline name (e.g. "task003_5fold"). */
  readonly pipeline: string;
  /** Task name (e.g. "Task003_Liver"). */
  readonly task: string;
  /**
   * Label names by label id: {"1": "liver", "2": "cancer"}. Labels not listed are not reported;
   * background ("0") never is, so dataset.json's full label map can be passed as is.
   */
  readonly labels: Readonly<Record<string, string>>;
  readonly folds: readonly FoldInput[];
  /** Reference Dice in percent by label id, e.g. {"1": 95.80, "2": 65.60}. */
  readonly reference?: Readonly<Record<string, number>>;
  /** Where the reference figures come from, e.g. "UNet++ README, UNet++ (average)". */
  readonly referenceSource?: string;
  /** ISO time the report was made; defaults to now. */
  readonly generatedAt?: string;
  /** The cross-validation postprocessing (a determine_postprocessing stage), when run. */
  readonly crossValidation?: CrossValidationInput;
}

/** The decision taken over all folds' validation cases and their summary.json after applying it. */
export interface CrossValidationInput {
  /** postprocessing.json's for_which_classes, e.g. [[1, 2], 1]. */
  readonly forWhichClasses: readonly (number | readonly number[])[];
  readonly postprocessed: SummaryJson;
}

/** Per-case Dice of one fold (report.json), null where the reference gives NaN. */
export interface CaseDice {
  /** Case id, from the prediction file name. */
  readonly id: string;
  readonly dicePercent: Readonly<Record<string, number | null>>;
}

/** Training figures of one fold (report.json). */
export interface FoldTraining {
  readonly epochs: number;
  readonly wallSeconds: number;
  readonly samplesPerSecond: number;
  readonly worldSize: number;
  readonly device: string;
  readonly finalTrainLoss: number | null;
  readonly finalValLoss: number | null;
  /** Online pseudo-Dice of the last epoch, percent. */
  readonly finalPseudoDicePercent: number | null;
}

/** One fold in report.json. */
export interface FoldReport {
  readonly fold: number;
  /** summary.json `id` of the fold's validation. */
  readonly summaryId: string;
  readonly cases: number;
  /** `results.mean[label].Dice` (nan-mean over cases), percent, per label id. */
  readonly dicePercent: Readonly<Record<string, number | null>>;
  /** The same after the fold's postprocessing; null when the fold has none. */
  readonly postprocessedDicePercent: Readonly<Record<string, number | null>> | null;
  readonly perCase: readonly CaseDice[];
  readonly training: FoldTraining | null;
  /** Its training attempts when it was interrupted and resumed; null when it trained in one attempt or nothing was recorded. */
  readonly resumed: FoldAttempts | null;
  /** Per-epoch curves, for the plots (copied from the history). */
  readonly curves: readonly EpochRecord[];
}

/** One label's cross-validation figures (report.json). */
export interface LabelReport {
  readonly label: string;
  readonly name: string;
  /** Per fold, in `folds` order, percent. */
  readonly perFoldPercent: readonly (number | null)[];
  /** Mean over folds of the fold means, percent. */
  readonly meanPercent: number | null;
  /** Sample standard deviation (n - 1) over folds, percent; null with fewer than 2 folds. */
  readonly stdPercent: number | null;
  /** nan-mean over all cases of all folds pooled (nnU-Net's cross-validation figure), percent. */
  readonly pooledPercent: number | null;
  /** Cases that count in the pooled mean (Dice not NaN) / all cases. */
  readonly validCases: number;
  readonly totalCases: number;
  readonly referencePercent: number | null;
  /** Mean and sample std over folds after each fold's postprocessing (null when a fold has none). */
  readonly postprocessedMeanPercent: number | null;
  readonly postprocessedStdPercent: number | null;
  /** meanPercent - referencePercent. */
  readonly deltaPercent: number | null;
  /** Pooled over all cases after the cross-validation postprocessing; null when none was run. */
  readonly crossValidationPostprocessedPercent: number | null;
}

/** report.json. Non-finite numbers are written as null. */
export interface Report {
  readonly pipeline: string;
  readonly task: string;
  readonly generatedAt: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly referenceSource: string | null;
  readonly summary: readonly LabelReport[];
  readonly folds: readonly FoldReport[];
  /** Sum of the folds' training wall times, seconds. */
  readonly totalTrainingSeconds: number;
  /** The cross-validation postprocessing decision (for_which_classes); null when none was run. */
  readonly crossValidationPostprocessing: readonly (number | readonly number[])[] | null;
  /** Where the training departs from the reference recipe, with the folds that do; empty: it does not. */
  readonly recipeDepartures: readonly ReportDeparture[];
  /** Folds whose train.json records no recipe (trained by an older version): not checked. */
  readonly recipeUnknownFolds: readonly number[];
}

/** A departure from the reference recipe and the folds that made it. */
export interface ReportDeparture extends RecipeDeparture {
  readonly folds: readonly number[];
}


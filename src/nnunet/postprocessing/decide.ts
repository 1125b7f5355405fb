/**
 * Decides the per-fold largest-connected-component postprocessing like nnU-Net v1's
 * `determine_postprocessing` (recipe §10.5): (1) all foreground classes as one object, accepted when
 * at least one class's mean Dice improves by more than the threshold and none gets worse; (2) then
 * per class (only when there are several), from step 1's output if accepted, accepted per class
 * when its mean Dice improves.
 * Cases are loaded one at a time (both candidate outputs of step 2 are evaluated on the fly, so no
 * volume is kept). `postprocessingJson` writes the reference's postprocessing.json text.
 */
import { keepLargestComponent } from './connected-components.js';
import type { Shape3 } from './connected-components.js';
import { confusionCounts } from '../evaluation/confusion.js';
import { labelMetrics } from '../evaluation/metrics.js';
import { nanMean } from '../evaluation/nanmean.js';
import { pythonJsonDumps } from '../evaluation/python-json.js';
import type { LabelMap } from '../evaluation/types.js';

export interface PostprocessingCase {
  readonly id: string;
  /** Loads the case's raw prediction and ground truth (same shape [z, y, x]). */
  load(): Promise<{ readonly prediction: LabelMap; readonly reference: LabelMap; readonly shape: Shape3 }>;
}

export interface PostprocessingDecision {
  /** What to apply, in order: a group of classes as one object and/or single classes, e.g. [[1, 2], 1]. */
  readonly forWhichClasses: readonly (number | readonly number[])[];
  /** Mean Dice per foreground class (label id -> Dice), raw predictions. */
  readonly dcPerClassRaw: Readonly<Record<string, number>>;
  /** ... after keeping the largest foreground object (all classes as one). */
  readonly dcPerClassPpAll: Readonly<Record<string, number>>;
  /** ... after keeping each class's largest object (on top of step 1 if accepted). */
  readonly dcPerClassPpPerClass: Readonly<Record<string, number>>;
  readonly numSamples: number;
}

function dicePerClass(prediction: LabelMap, reference: LabelMap, classes: readonly number[], id: string): number[] {
  const counts = confusionCounts(prediction, reference, classes, id);
  return classes.map((c) => labelMetrics(counts.get(c)!).Dice);
}

export async function determinePostprocessing(
  cases: readonly PostprocessingCase[],
  classes: readonly number[],
  diceThreshold = 0,
): Promise<PostprocessingDecision> {
  if (classes.length === 0 || classes.includes(0)) {
    throw new Error(`Expected foreground class ids (no 0) for classes but received [${classes.join(', ')}]`);
  }
  const raw: number[][] = [];
  const all: number[][] = [];
  const perClassFromRaw: number[][] = [];
  const perClassFromAll: number[][] = [];
  for (const c of cases) {
    const { prediction, reference, shape } = await c.load();
    raw.push(dicePerClass(prediction, reference, classes, c.id));
    const fg = keepLargestComponent(prediction, shape, [classes]);
    all.push(dicePerClass(fg, reference, classes, c.id));
    perClassFromRaw.push(dicePerClass(keepLargestComponent(prediction, shape, classes), reference, classes, c.id));
    perClassFromAll.push(dicePerClass(keepLargestComponent(fg, shape, classes), reference, classes, c.id));
  }
  const means = (perCase: number[][]) => classes.map((_, k) => nanMean(perCase.map((d) => d[k]!)));
  const keyed = (values: number[]) => Object.fromEntries(classes.map((c, k) => [String(c), values[k]!]));

  const rawMean = means(raw);
  const allMean = means(all);
  const forWhichClasses: (number | readonly number[])[] = [];
  const improves = allMean.some((d, k) => d > rawMean[k]! + diceThreshold);
  const worse = allMean.some((d, k) => d < rawMean[k]!);
  const doForeground = improves && !worse;
  if (doForeground) forWhichClasses.push([...classes]);

  // Step 2 only with several classes (with one, step 1 already covered it; the reference leaves
  // dc_per_class_pp_per_class empty then).
  let perClassMean: number[] = [];
  if (classes.length > 1) {
    const before = doForeground ? allMean : rawMean;
    perClassMean = means(doForeground ? perClassFromAll : perClassFromRaw);
    classes.forEach((c, k) => {
      if (perClassMean[k]! > before[k]! + diceThreshold) forWhichClasses.push(c);
    });
  }
  return {
    forWhichClasses,
    dcPerClassRaw: keyed(rawMean),
    dcPerClassPpAll: keyed(allMean),
    dcPerClassPpPerClass: classes.length > 1 ? keyed(perClassMean) : {},
    numSamples: cases.length,
  };
}

/** Applies a decision to one prediction (a copy). */
export function applyPostprocessing<T extends LabelMap>(prediction: T, shape: Shape3, decision: Pick<PostprocessingDecision, 'forWhichClasses'>): T {
  return keepLargestComponent(prediction, shape, decision.forWhichClasses);
}

/** One for_which_classes entry: a label (1..255) or a non-empty list of labels taken as one object. */
export function isPostprocessingTarget(e: unknown): e is number | number[] {
  const isLabel = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v > 0 && v < 256;
  return isLabel(e) || (Array.isArray(e) && e.length > 0 && e.every(isLabel));
}

/** for_which_classes in words for logs: "[1, 2], 1". */
export function describeForWhichClasses(forWhichClasses: PostprocessingDecision['forWhichClasses']): string {
  return forWhichClasses.map((e) => (typeof e === 'number' ? String(e) : `[${e.join(', ')}]`)).join(', ');
}

/** The reference's postprocessing.json text (save_json: indent 4, sort_keys). */
export function postprocessingJson(
  decision: PostprocessingDecision,
  folders: { readonly validationRaw: string; readonly validationFinal: string } = {
    validationRaw: 'validation_raw',
    validationFinal: 'validation_raw_postprocessed',
  },
): string {
  return pythonJsonDumps(
    {
      dc_per_class_raw: decision.dcPerClassRaw,
      dc_per_class_pp_all: decision.dcPerClassPpAll,
      dc_per_class_pp_per_class: decision.dcPerClassPpPerClass,
      for_which_classes: decision.forWhichClasses.map((e) => (typeof e === 'number' ? BigInt(e) : e.map((c) => BigInt(c)))),
      min_valid_object_sizes: 'None',
      num_samples: BigInt(decision.numSamples),
      validation_raw: folders.validationRaw,
      validation_final: folders.validationFinal,
    },
    { indent: 4, sortKeys: true },
  );
}

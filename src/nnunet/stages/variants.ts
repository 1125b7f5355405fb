/**
 * Variants of a study in one pipeline: matrix axes beside `fold` (`network: [unetpp, unet]`, `batch_size: [2, 4]`).
 * The fold axis is the cross-validation, every other axis names a variant: `train[fold=3,network=unet]` is fold 3
 * of the variant `network=unet`. The report groups its upstreams by variant (one table each, then the paired
 * comparison); the rules in needs-rules.ts keep one variant's instances from mixing with another's.
 */
import type { MatrixValue } from '../../stage-api/types.js';

/** The matrix axis of the cross-validation folds; every other axis is a variant axis. */
export const FOLD_AXIS = 'fold';

export type Matrix = Readonly<Record<string, MatrixValue>>;

/** The variant an instance belongs to: its matrix without the fold axis ({} without variant axes). */
export function variantOf(matrix: Matrix): Matrix {
  return Object.fromEntries(Object.entries(matrix).filter(([axis]) => axis !== FOLD_AXIS));
}

/** `network=unet`, `network=unet,batch_size=4`; '' for the one variant of a pipeline without variant axes. */
export function variantName(matrix: Matrix): string {
  return Object.entries(variantOf(matrix)).map(([axis, v]) => `${axis}=${String(v)}`).join(',');
}

export interface VariantGroup<T> {
  readonly name: string;
  readonly matrix: Matrix;
  readonly items: readonly T[];
}

/** Items grouped by variant, the variants in the order they first appear (the matrix's order of values). */
export function groupByVariant<T extends { readonly matrix: Matrix }>(items: readonly T[]): VariantGroup<T>[] {
  const groups = new Map<string, { name: string; matrix: Matrix; items: T[] }>();
  for (const item of items) {
    const name = variantName(item.matrix);
    let g = groups.get(name);
    if (g === undefined) groups.set(name, (g = { name, matrix: variantOf(item.matrix), items: [] }));
    g.items.push(item);
  }
  return [...groups.values()];
}

/** The axes on which `instances` differ (what a downstream must share to tell them apart), in first-seen order. */
export function differingAxes(instances: readonly { readonly matrix: Matrix }[]): string[] {
  const axes = [...new Set(instances.flatMap((i) => Object.keys(i.matrix)))];
  return axes.filter((axis) => new Set(instances.map((i) => JSON.stringify(i.matrix[axis] ?? null))).size > 1);
}

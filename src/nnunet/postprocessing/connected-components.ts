/**
 * Largest-connected-component postprocessing (recipe §10.5, nnU-Net v1
 * `postprocessing/connected_components.py: remove_all_but_the_largest_connected_component`):
 * 3-D face (6-) connectivity like `scipy.ndimage.label`'s default. For each entry of `forWhich` (a
 * class, or a group of classes treated as one object), every component smaller than the largest is
 * set to background; components that tie the largest size are all kept, as in the reference.
 * The decision logic (accept only if mean Dice improves) is the caller's.
 */
import type { LabelMap } from '../evaluation/types.js';

/** Shape [z, y, x] of a C-order volume. */
export type Shape3 = readonly [number, number, number];

/** Component ids (1..count, 0 = outside the mask) of a binary mask with 6-connectivity. */
export function labelComponents(mask: Uint8Array, shape: Shape3): { ids: Int32Array; count: number; sizes: number[] } {
  const [nz, ny, nx] = shape;
  if (nz * ny * nx !== mask.length) {
    throw new Error(`Expected ${nz * ny * nx} voxels for shape [${shape.join(', ')}] but received ${mask.length}`);
  }
  const ids = new Int32Array(mask.length);
  const sizes = [0];
  const stack = new Int32Array(mask.length);
  let count = 0;
  let top = 0;
  const plane = ny * nx;
  const visit = (w: number): void => {
    if (mask[w] !== 0 && ids[w] === 0) {
      ids[w] = count;
      stack[top++] = w;
    }
  };
  for (let seed = 0; seed < mask.length; seed++) {
    if (mask[seed] === 0 || ids[seed] !== 0) continue;
    count++;
    let size = 0;
    top = 0;
    stack[top++] = seed;
    ids[seed] = count;
    while (top > 0) {
      const v = stack[--top]!;
      size++;
      const x = v % nx;
      const y = ((v - x) / nx) % ny;
      const z = (v - x - y * nx) / plane;
      if (x > 0) visit(v - 1);
      if (x < nx - 1) visit(v + 1);
      if (y > 0) visit(v - nx);
      if (y < ny - 1) visit(v + nx);
      if (z > 0) visit(v - plane);
      if (z < nz - 1) visit(v + plane);
    }
    sizes.push(size);
  }
  return { ids, count, sizes };
}

/**
 * Returns a copy of `labels` where, for each entry of `forWhich`, only the largest component of
 * that class (or union of classes) is kept.
 */
export function keepLargestComponent<T extends LabelMap>(
  labels: T,
  shape: Shape3,
  forWhich: readonly (number | readonly number[])[],
): T {
  const out = labels.slice() as T;
  for (const entry of forWhich) {
    const classes = new Set(typeof entry === 'number' ? [entry] : entry);
    const mask = new Uint8Array(out.length);
    for (let i = 0; i < out.length; i++) if (classes.has(out[i]!)) mask[i] = 1;
    const { ids, count, sizes } = labelComponents(mask, shape);
    if (count === 0) continue;
    let largest = 0;
    for (let id = 1; id <= count; id++) largest = Math.max(largest, sizes[id]!);
    for (let i = 0; i < out.length; i++) {
      const id = ids[i]!;
      if (id !== 0 && sizes[id] !== largest) out[i] = 0;
    }
  }
  return out;
}

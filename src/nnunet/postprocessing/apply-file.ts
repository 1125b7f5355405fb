/**
 * Applies a postprocessing.json decision (the reference's format, e.g. from a determine_postprocessing
 * stage) to label NIfTIs: keeps the largest connected component of each listed class or class group.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Shape3 } from './connected-components.js';
import { applyPostprocessing, isPostprocessingTarget, type PostprocessingDecision } from './decide.js';
import { readNifti, writeNifti } from '../../io/nifti/index.js';

export type ForWhichClasses = PostprocessingDecision['forWhichClasses'];

/** Reads `for_which_classes` of a postprocessing.json, with an error naming the file and the field. */
export async function readPostprocessingDecision(file: string): Promise<ForWhichClasses> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (cause) {
    throw new Error(`${file}: cannot read the postprocessing decision (${(cause as Error).message})`, { cause });
  }
  const entries = (parsed as { for_which_classes?: unknown } | null)?.for_which_classes;
  if (!Array.isArray(entries)) throw new Error(`${file}: expected for_which_classes to be a list but received ${JSON.stringify(entries)}`);
  return entries.map((e, i) => {
    if (isPostprocessingTarget(e)) return e;
    throw new Error(`${file}: for_which_classes[${i}] must be a label (1..255) or a list of labels but is ${JSON.stringify(e)}`);
  });
}

/** Postprocesses `<rawDir>/<id>.nii.gz` into `<outDir>/<id>.nii.gz` (same header), for every id. */
export async function postprocessPredictions(rawDir: string, outDir: string, ids: readonly string[], forWhichClasses: ForWhichClasses): Promise<void> {
  await mkdir(outDir, { recursive: true });
  for (const id of ids) {
    const vol = await readNifti(join(rawDir, `${id}.nii.gz`));
    const [x = 1, y = 1, z = 1] = vol.shape;
    const shape: Shape3 = [z, y, x];
    const labels = vol.data instanceof Uint8Array ? Uint8Array.from(vol.data) : Uint8Array.from(vol.data as ArrayLike<number>, Number);
    const data = applyPostprocessing(labels, shape, { forWhichClasses });
    await writeNifti(join(outDir, `${id}.nii.gz`), { shape: vol.shape, spacing: vol.spacing, data, header: vol.header });
  }
}

/**
 * The demo pipeline (pipelines/demo.yaml) shrunk for CI: fewer and smaller generated cases, two
 * folds, a couple of tiny epochs. Only `with` values of the demo are replaced, so the stage graph,
 * kinds and params are the shipped file's.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/build.js';

export const DEMO_YAML = join(ROOT, 'pipelines', 'demo.yaml');

function replaceOnce(text: string, from: string | RegExp, to: string): string {
  const next = text.replace(from, to);
  if (next === text) throw new Error(`the demo's pipeline no longer contains ${String(from)}: update test/e2e/demo-pipeline.ts`);
  return next;
}

/** The CI variant of demo.yaml (or of a file with its settings, e.g. demo_compare.yaml) with the given folds. */
export function ciDemoYaml(folds: readonly number[], file = DEMO_YAML): string {
  let y = readFileSync(file, 'utf8');
  y = replaceOnce(y, /cases: 20\n/, 'cases: 8\n');
  y = replaceOnce(y, /in_plane_size: \[36, 48\]/, 'in_plane_size: [32, 40]');
  y = replaceOnce(y, /slices: \[16, 24\]/, 'slices: [16, 20]');
  y = replaceOnce(y, /epochs: \d+\n/, 'epochs: 2\n');
  y = replaceOnce(y, /iterations_per_epoch: \d+\n/, 'iterations_per_epoch: 3\n');
  y = replaceOnce(y, /val_iterations: \d+/, 'val_iterations: 1');
  y = replaceOnce(y, /base_features: \d+/, 'base_features: 4');
  y = replaceOnce(y, /max_features: \d+/, 'max_features: 16');
  y = y.replaceAll('{fold: [0, 1, 2, 3, 4]', `{fold: [${folds.join(', ')}]`);
  return y;
}

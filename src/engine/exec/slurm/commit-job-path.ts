/** Where the compiled job-side commit entry lives (dist/, also when the engine runs from src/ under a test runner). */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../../../util/package-root.js';

export function commitJobScript(): string {
  const sibling = join(dirname(fileURLToPath(import.meta.url)), 'commit-job.js');
  if (existsSync(sibling)) return sibling;
  return join(packageRoot(), 'dist', 'engine', 'exec', 'slurm', 'commit-job.js');
}

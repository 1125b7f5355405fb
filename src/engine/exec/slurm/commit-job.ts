/**
 * Job-side commit, for `pipe run --detach`: `node dist/engine/exec/slurm/commit-job.js STORE KEY INSTANCE OUT
 * [OUTPUT...]`. The batch script runs it after the stage exited 0, so a dependent job (afterok) finds its
 * upstream committed while pipe is away. The same Store.commit as pipe's own (rename, then marker); the
 * declared outputs are checked first, as the executor checks them. Exit 0, or 4 with the reason on stderr.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StageKey } from '../../cache/brands.js';
import { Store } from '../../cache/store.js';
import { failureText } from '../../log/failure-text.js';

export async function commitJobOutput(storeRoot: string, key: StageKey, instance: string, out: string, outputs: readonly string[]): Promise<string | undefined> {
  const store = new Store(storeRoot);
  if (store.committed(key)) return undefined;
  const missing = outputs.filter((p) => !existsSync(join(out, p)));
  if (missing.length > 0) return failureText({ reason: 'outputs-missing', missing });
  await store.commit(key, instance, out);
  return undefined;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [storeRoot, key, instance, out, ...outputs] = process.argv.slice(2);
  if (storeRoot === undefined || key === undefined || instance === undefined || out === undefined) {
    process.stderr.write('usage: commit-job.js STORE KEY INSTANCE OUT [OUTPUT...]\n');
    process.exit(2);
  }
  const problem = await commitJobOutput(storeRoot, key as StageKey, instance, out, outputs);
  if (problem !== undefined) {
    process.stderr.write(`pipe: ${instance}: ${problem}\n`);
    process.exit(4);
  }
  process.stdout.write(`# pipe: committed ${instance} as ${key}\n`);
}

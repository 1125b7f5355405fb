/**
 * Where a pipeline's store is: `$PIPE_CACHE`, else `cache:` (default `cache`) relative to the project
 * directory (`project:` relative to the file). `pipelineStore` reads only what it needs from the file,
 * so `pipe status`/`report`/`resume` can find the store, and the runs recorded there, before the
 * params are known (a param the YAML leaves empty for `--set` would fail a full validation).
 */
import { dirname, resolve } from 'node:path';
import { readPipelineFile } from './load.js';

export function storeDir(projectDir: string, cache: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  const envCache = env['PIPE_CACHE'];
  return envCache !== undefined && envCache !== '' ? resolve(envCache) : resolve(projectDir, cache ?? 'cache');
}

/** The absolute pipeline file, its text and its store, read without validating the rest of the file. */
export function pipelineStore(file: string, env: Readonly<Record<string, string | undefined>>): { file: string; text: string; store: string } {
  const doc = readPipelineFile(resolve(file));
  const raw = (doc.value !== null && typeof doc.value === 'object' ? doc.value : {}) as { project?: unknown; cache?: unknown };
  const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const projectDir = resolve(dirname(doc.file), text(raw.project) ?? '.');
  return { file: doc.file, text: doc.text, store: storeDir(projectDir, text(raw.cache), env) };
}

/**
 * `watch`: runs the pipeline, then watches the pipeline file and every declared input (chokidar);
 * on a change (debounced) it re-plans and runs what is stale. A change during a run queues exactly
 * one more run. Stops when `signal` aborts.
 */
import { dirname, resolve } from 'node:path';
import { watch as chokidarWatch } from 'chokidar';
import { loadPipeline } from '../config/load-pipeline.js';
import { PipelineError } from '../config/diagnostics.js';
import { isGlob } from '../cache/glob.js';
import { runPipeline, type RunOptions, type RunResult } from './run.js';

export interface WatchOptions extends RunOptions {
  readonly debounceMs?: number;
  /** Called after every run (or with the error of a run that could not start). */
  readonly onRun?: (result: RunResult | Error) => void;
}

async function watchedPaths(file: string, options: RunOptions): Promise<string[]> {
  const paths = [resolve(file)];
  try {
    const p = await loadPipeline(file, { overrides: options.overrides ?? [], env: options.env ?? process.env });
    for (const s of p.stages.values()) {
      for (const input of s.inputs) {
        const cut = input.split('/');
        const idx = cut.findIndex((c) => isGlob(c) || c.includes('${'));
        paths.push(resolve(p.projectDir, idx === -1 ? input : cut.slice(0, idx).join('/') || '.'));
      }
    }
  } catch {
    /* an invalid file: watch only the file itself until it is fixed */
  }
  return [...new Set(paths)];
}

export async function watch(file: string, options: WatchOptions = {}): Promise<void> {
  const debounceMs = options.debounceMs ?? 300;
  let running = false;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  const watcher = chokidarWatch(await watchedPaths(file, options), { ignoreInitial: true, cwd: dirname(resolve(file)) });
  await new Promise<void>((res) => watcher.once('ready', () => res()));
  const runOnce = async (): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        try {
          const result = await runPipeline(file, options);
          options.onRun?.(result);
        } catch (error) {
          if (error instanceof PipelineError) options.logger?.info?.(error.format());
          options.onRun?.(error as Error);
        }
        watcher.add(await watchedPaths(file, options));
      } while (again && !options.signal?.aborted);
    } finally {
      running = false;
    }
  };
  watcher.on('all', () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void runOnce(), debounceMs);
  });
  await runOnce();
  options.logger?.info?.(`watching ${file} and its inputs (Ctrl-C to stop)`);
  await new Promise<void>((res) => {
    if (options.signal?.aborted) return res();
    options.signal?.addEventListener('abort', () => res(), { once: true });
  });
  if (timer) clearTimeout(timer);
  await watcher.close();
}

/**
 * Which configuration `pipe status` and `pipe report` describe. By default the run in progress or
 * the last run of the file, loaded with that run's `--set` overrides as its `run-start` recorded
 * them: what the user ran, not the YAML's defaults. `--current` (or any `--set` given to status or
 * report) looks at the YAML as it now stands instead, with those overrides.
 */
import { PipelineError } from '../config/diagnostics.js';
import { loadPipeline } from '../config/load-pipeline.js';
import { pipelineStore } from '../config/store-location.js';
import type { Pipeline } from '../config/types.js';
import { Store } from '../cache/store.js';
import { lastRunOf, readRunRecords, type RecordedRun } from './last-run.js';

export interface ViewOptions {
  /** `--set` overrides to look at instead of the last run's (implies the YAML as it now stands). */
  readonly overrides?: readonly string[];
  /** Look at the YAML as it now stands even when the file ran before. */
  readonly current?: boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface RunView {
  /** `run`: the run in progress or the last run, with its overrides; `current`: the YAML as it now stands. */
  readonly source: 'run' | 'current';
  /** The overrides the keys were computed with. */
  readonly overrides: readonly string[];
  /** The followed run (source `run`), or the last run of the file when the view is `current`. */
  readonly run?: RecordedRun;
}

export interface ViewedPipeline {
  readonly pipeline: Pipeline;
  readonly view: RunView;
}

export async function loadView(file: string, options: ViewOptions = {}): Promise<ViewedPipeline> {
  const env = options.env ?? process.env;
  const located = pipelineStore(file, env);
  const store = new Store(located.store);
  const records = readRunRecords(store.journalPath);
  const run = lastRunOf(store, records, located.file);
  const explicit = options.overrides ?? [];
  if (run === undefined || options.current === true || explicit.length > 0) {
    const pipeline = await loadPipeline(located.file, { overrides: explicit, env });
    return { pipeline, view: { source: 'current', overrides: explicit, ...(run ? { run } : {}) } };
  }
  const overrides = run.options.overrides;
  try {
    const pipeline = await loadPipeline(located.file, { overrides, env });
    return { pipeline, view: { source: 'run', overrides, run } };
  } catch (error) {
    if (!(error instanceof PipelineError) || overrides.length === 0) throw error;
    throw new PipelineError([
      ...error.diagnostics,
      { message: `the last run of ${file} (${run.time}) used ${overrides.map((o) => `--set ${o}`).join(' ')}, which no longer fits the file; pass --current to look at the YAML as it now stands` },
    ], new Map([[located.file, located.text]]));
  }
}

/**
 * What `pipe compare` accepts for a run: a full id, a prefix of the id or of its short form (the
 * random part `pipe runs` shows), `last` (the newest run of the pipeline) or `last~N` (the Nth
 * before it). A prefix that matches no run or several is a usage error that says which.
 */
import { PipelineError } from '../config/diagnostics.js';
import type { RunEntry } from './run-history.js';

const LAST = /^last(?:~(\d+))?$/;

/**
 * @param pipelineRuns the runs `last~N` counts back through, newest first
 * @param allRuns every run in the store, for ids and prefixes
 */
export function resolveRunRef(ref: string, pipelineRuns: readonly RunEntry[], allRuns: readonly RunEntry[], store: string): RunEntry {
  const last = LAST.exec(ref);
  if (last !== null) {
    const back = Number(last[1] ?? 0);
    const run = pipelineRuns[back];
    if (run === undefined) throw new PipelineError([{ message: `${ref}: the store ${store} records ${pipelineRuns.length} run(s) of this pipeline, so there is no ${back === 0 ? 'last run' : `run ${back} before the last`} (pipe runs lists them)` }]);
    return run;
  }
  if (ref === '') throw new PipelineError([{ message: 'Expected a run id, a prefix of one, last or last~N but received an empty string' }]);
  const exact = allRuns.find((r) => r.id === ref);
  if (exact !== undefined) return exact;
  const matches = allRuns.filter((r) => r.id.startsWith(ref) || r.short.startsWith(ref));
  if (matches.length === 1) return matches[0] as RunEntry;
  if (matches.length === 0) throw new PipelineError([{ message: `no run ${ref} in the store ${store} (pipe runs lists the runs and their ids)` }]);
  throw new PipelineError([{ message: `${ref} names ${matches.length} runs (${matches.map((r) => r.id).join(', ')}): give more of the id` }]);
}

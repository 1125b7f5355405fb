/**
 * `compareRuns`: two or more runs of a store side by side (the first is the baseline): what differs
 * (run-differences.ts), how long each stage took to build, and for each instance whose kind offers
 * an analysis (the report: Dice per label, paired statistics per case) the kind's comparison of the
 * outputs each run committed. Runs are named as run-ref.ts reads them. Read-only.
 */
import { PipelineError } from '../config/diagnostics.js';
import { pipelineStore } from '../config/store-location.js';
import { Store } from '../cache/store.js';
import type { StageKey } from '../cache/brands.js';
import type { OutputComparison } from '../../stage-api/types.js';
import { defaultStore } from './run.js';
import { resolveRunRef } from './run-ref.js';
import { runDifferences, stageIdOf, type RunDifferences } from './run-differences.js';
import type { RunEntry } from './run-history.js';
import { Analyses, kindOf, pipelineName, storeRuns } from './runs.js';

export interface CompareOptions {
  /** The pipeline file: its store, and the runs `last` counts (by path or `name:`). Default: the store of ./cache or $PIPE_CACHE. */
  readonly file?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface StageTime {
  readonly stage: string;
  readonly perRun: readonly {
    readonly run: string;
    /** Sum over its instances of the time their keys took to build (in whichever run built them); null when none is known. */
    readonly buildMs: number | null;
    readonly instances: number;
    /** Of those, found in the store by this run (built by an earlier one). */
    readonly cached: number;
  }[];
}

export interface AnalysisSection {
  /** The instance compared (`report`). */
  readonly stage: string;
  readonly kind: string;
  readonly comparison?: OutputComparison;
  /** Why there is no comparison (an output missing, unreadable). */
  readonly note?: string;
}

export interface RunComparison {
  readonly store: string;
  /** Baseline first, in the order asked for. */
  readonly runs: readonly RunEntry[];
  /** Each other run against the baseline. */
  readonly differences: readonly RunDifferences[];
  readonly stageTimes: readonly StageTime[];
  readonly analyses: readonly AnalysisSection[];
}

/** The store to read and the runs that `last` counts back through (newest first). */
function locate(options: CompareOptions): { store: Store; all: RunEntry[]; pipelineRuns: RunEntry[] } {
  const env = options.env ?? process.env;
  if (options.file !== undefined) {
    const located = pipelineStore(options.file, env);
    const name = pipelineName(located.file);
    const store = new Store(located.store);
    const all = storeRuns(store);
    return { store, all, pipelineRuns: all.filter((r) => r.pipeline === located.file || r.name === name).reverse() };
  }
  const store = new Store(defaultStore(env));
  const all = storeRuns(store);
  const newest = all[all.length - 1];
  const pipelineRuns = newest === undefined ? [] : all.filter((r) => r.pipeline === newest.pipeline || (newest.name !== undefined && r.name === newest.name)).reverse();
  return { store, all, pipelineRuns };
}

/** Build time of each key: the duration of its last `ran` end in any run. */
function buildTimes(all: readonly RunEntry[]): Map<StageKey, number> {
  const out = new Map<StageKey, number>();
  for (const r of all) for (const i of r.instances) if (i.outcome === 'ran' && i.durationMs !== undefined) out.set(i.key, i.durationMs);
  return out;
}

function stageTimes(runs: readonly RunEntry[], built: ReadonlyMap<StageKey, number>): StageTime[] {
  const stages = [...new Set(runs.flatMap((r) => r.instances.map((i) => stageIdOf(i.stage))))];
  return stages.map((stage) => ({
    stage,
    perRun: runs.map((r) => {
      const mine = r.instances.filter((i) => stageIdOf(i.stage) === stage);
      const known = mine.map((i) => built.get(i.key)).filter((ms): ms is number => ms !== undefined);
      return { run: r.short, buildMs: known.length === 0 ? null : known.reduce((a, b) => a + b, 0), instances: mine.length, cached: mine.filter((i) => i.outcome === 'cached').length };
    }),
  }));
}

async function analysisSections(store: Store, runs: readonly RunEntry[]): Promise<AnalysisSection[]> {
  const analyses = new Analyses();
  const names = [...new Set(runs.flatMap((r) => r.instances.map((i) => i.stage)))];
  const out: AnalysisSection[] = [];
  for (const name of names) {
    const insts = runs.map((r) => r.instances.find((i) => i.stage === name));
    const kind = insts.map((i) => (i === undefined ? undefined : kindOf(store, i.key))).find((k) => k !== undefined);
    if (kind === undefined) continue;
    const analysis = await analyses.get(kind);
    if (analysis === undefined) continue;
    const missing = runs.filter((r, k) => {
      const i = insts[k];
      return i === undefined || (i.outcome !== 'ran' && i.outcome !== 'cached') || store.committed(i.key) === undefined;
    });
    if (missing.length > 0) {
      out.push({ stage: name, kind, note: `no committed ${name} output in run ${missing.map((r) => `${r.short} (${r.instances.find((i) => i.stage === name)?.outcome ?? 'not in that run'})`).join(', ')}` });
      continue;
    }
    try {
      const comparison = await analysis.compare(runs.map((r, k) => ({ run: r.short, out: store.objectDir((insts[k] as RunEntry['instances'][number]).key) })));
      out.push({ stage: name, kind, comparison });
    } catch (error) {
      out.push({ stage: name, kind, note: `cannot compare the ${name} outputs: ${(error as Error).message}` });
    }
  }
  return out;
}

export async function compareRuns(refs: readonly string[], options: CompareOptions = {}): Promise<RunComparison> {
  if (refs.length < 2) throw new PipelineError([{ message: `pipe compare: expected two runs or more (ids from pipe runs, last, last~1) but received ${refs.length}` }]);
  const { store, all, pipelineRuns } = locate(options);
  const runs = refs.map((ref) => resolveRunRef(ref, pipelineRuns, all, store.root));
  const seen = new Map<string, string>();
  refs.forEach((ref, i) => {
    const id = (runs[i] as RunEntry).id;
    const earlier = seen.get(id);
    if (earlier !== undefined) throw new PipelineError([{ message: `${earlier} and ${ref} are the same run (${id}): name different runs` }]);
    seen.set(id, ref);
  });
  const [baseline, ...others] = runs as [RunEntry, ...RunEntry[]];
  const material = (key: StageKey) => store.material(key);
  return {
    store: store.root,
    runs,
    differences: others.map((o) => runDifferences(baseline, o, material)),
    stageTimes: stageTimes(runs, buildTimes(all)),
    analyses: await analysisSections(store, runs),
  };
}

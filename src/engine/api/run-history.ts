/**
 * Every run a store's journal records, as `pipe runs` lists them and `pipe compare` reads them: when
 * it started and for how long it went, how it ended (running / finished / failed / interrupted),
 * where its instances ran (local or Slurm), its `--set` overrides, and per instance the key it had
 * in that run and what became of it. Pure: the journal records and a liveness check in, runs out.
 */
import type { StageKey } from '../cache/brands.js';
import type { JournalRecord, Outcome, RunOptionsRecord } from '../cache/journal.js';
import type { Progress } from '../../stage-api/types.js';

type Rec<T extends JournalRecord['t']> = Extract<JournalRecord, { t: T }>;
export type RunStart = Rec<'run-start'>;

export type RunState = 'running' | 'finished' | 'failed' | 'interrupted';
/** What became of an instance in a run; `running` while the run goes, `submitted` when a detached run left it as a Slurm job. */
export type RunInstanceOutcome = Outcome | 'running' | 'submitted';

export const INSTANCE_OUTCOMES: readonly RunInstanceOutcome[] = ['ran', 'cached', 'running', 'submitted', 'failed', 'interrupted', 'skipped'];

export interface RunInstance {
  /** Instance name (`train[fold=0]`). */
  readonly stage: string;
  readonly key: StageKey;
  readonly outcome: RunInstanceOutcome;
  readonly startedAt?: string;
  readonly durationMs?: number;
  readonly error?: string;
  readonly log?: string;
  /** A failed instance's last line of its log (the error it printed); filled in by listRuns. */
  readonly logLine?: string;
  /** The last progress it reported in this run. */
  readonly progress?: Progress;
  readonly jobId?: string;
}

export interface RunEntry {
  readonly id: string;
  /** The random part of the id (`3fa2c1`): what `pipe runs` shows and `pipe compare` accepts. */
  readonly short: string;
  readonly time: string;
  /** Wall time from its start to its end (running: to now; a runner that died: to its last record). */
  readonly durationMs: number;
  readonly pipeline: string;
  readonly name?: string;
  readonly host: string;
  readonly command: string;
  readonly options: RunOptionsRecord;
  readonly state: RunState;
  readonly exitCode?: number;
  /** Why an interrupted run stopped, when the journal says. */
  readonly note?: string;
  readonly executor: 'local' | 'slurm';
  readonly counts: Readonly<Record<RunInstanceOutcome, number>>;
  /** In the order they were first recorded. */
  readonly instances: readonly RunInstance[];
}

/** exec/sweep.ts closes a run whose runner died with this exit code, when the next run starts. */
const RUNNER_DIED_EXIT = 137;

export const shortRunId = (id: string): string => id.slice(id.lastIndexOf('-') + 1);

function stateOf(exitCode: number | undefined, live: boolean): { state: RunState; note?: string } {
  if (exitCode === undefined) return live ? { state: 'running' } : { state: 'interrupted', note: 'its runner stopped without closing the run' };
  if (exitCode === 0) return { state: 'finished' };
  if (exitCode === RUNNER_DIED_EXIT) return { state: 'interrupted', note: 'its runner died' };
  if (exitCode === 130 || exitCode === 143) return { state: 'interrupted', note: exitCode === 130 ? 'SIGINT' : 'SIGTERM' };
  return { state: 'failed' };
}

interface Building {
  readonly start: RunStart;
  end?: Rec<'run-end'>;
  /** The time of its last record other than a run-end written by a later run's sweep. */
  lastSeen: string;
  readonly instances: Map<string, { -readonly [K in keyof RunInstance]: RunInstance[K] }>;
}

/**
 * The runs in `records`, oldest first. `isLive(start)` says whether the run's runner still holds the
 * store (only a run without a run-end record is asked).
 */
export function runHistory(records: readonly JournalRecord[], isLive: (start: RunStart) => boolean, now: Date = new Date()): RunEntry[] {
  const runs = new Map<string, Building>();
  for (const r of records) {
    if (r.t === 'run-start') {
      runs.set(r.run, { start: r, lastSeen: r.time, instances: new Map() });
      continue;
    }
    const run = runs.get(r.run);
    if (run === undefined) continue;
    if (r.t === 'run-end') {
      run.end = r;
      if (r.exitCode !== RUNNER_DIED_EXIT) run.lastSeen = r.time;
      continue;
    }
    // The sweep of a later run writes the dead runner's instance-ends: not a sign of its life.
    const swept = r.t === 'instance-end' && r.error === 'the runner died while this instance ran';
    if (!swept) run.lastSeen = r.time;
    const inst = run.instances.get(r.stage);
    if (r.t === 'instance-start') {
      run.instances.set(r.stage, { stage: r.stage, key: r.key, outcome: 'running', startedAt: r.time, log: r.log, ...(r.jobId !== undefined ? { jobId: r.jobId } : {}) });
    } else if (r.t === 'progress') {
      if (inst !== undefined) inst.progress = r.progress;
    } else if (r.t === 'instance-end') {
      const base = inst ?? { stage: r.stage, key: r.key, outcome: r.outcome };
      run.instances.set(r.stage, {
        ...base, key: r.key, outcome: r.outcome,
        ...(r.durationMs !== undefined ? { durationMs: r.durationMs } : {}),
        ...(r.error !== undefined ? { error: r.error } : {}),
        ...(r.log !== undefined ? { log: r.log } : {}),
      });
    }
  }
  return [...runs.values()].map((b) => {
    const live = b.end === undefined && isLive(b.start);
    const { state, note } = stateOf(b.end?.exitCode, live);
    const instances = [...b.instances.values()].map((i): RunInstance => {
      if (i.outcome !== 'running' || live) return i;
      // An instance without an end in a run that is over: left as a Slurm job, or stopped with its runner.
      return { ...i, outcome: b.end !== undefined && i.jobId !== undefined && b.end.exitCode === 0 ? 'submitted' : 'interrupted' };
    });
    const counts = Object.fromEntries(INSTANCE_OUTCOMES.map((o) => [o, 0])) as Record<RunInstanceOutcome, number>;
    for (const i of instances) counts[i.outcome]++;
    const until = live ? now.getTime() : Date.parse(b.end !== undefined && b.end.exitCode !== RUNNER_DIED_EXIT ? b.end.time : b.lastSeen);
    const s = b.start;
    return {
      id: s.run, short: shortRunId(s.run), time: s.time, durationMs: Math.max(0, until - Date.parse(s.time)),
      pipeline: s.pipeline, ...(s.name !== undefined ? { name: s.name } : {}), host: s.host, command: s.command, options: s.options,
      state, ...(b.end !== undefined ? { exitCode: b.end.exitCode } : {}), ...(note !== undefined ? { note } : {}),
      executor: s.options.executor ?? (instances.some((i) => i.jobId !== undefined) ? 'slurm' : 'local'),
      counts, instances,
    };
  });
}

/**
 * Instance states from the keyed pipeline (current keys), the store (committed objects) and the journal
 * (what happened before): done | cached | running | interrupted | failed | pending | stale.
 * Read-only: never writes to the store. `stale` carries the reason, found by diffing the key
 * material recorded for the instance's previous key against the current one; an instance stale only
 * because an upstream changed names that upstream's own reason. The previous key comes from the runs
 * of this file, else from the runs of a pipeline of the same name (a copy of the file elsewhere).
 */
import type { StageKey } from '../cache/brands.js';
import { describeChanges, diffMaterial } from '../cache/key.js';
import type { Journal, JournalRecord } from '../cache/journal.js';
import { lockHeldByLiveProcess } from '../cache/lock.js';
import type { Store } from '../cache/store.js';
import type { KeyedPipeline } from '../resolve/keys.js';
import type { Progress } from '../../stage-api/types.js';
import type { Failure } from './events.js';
import { failureText } from './failure-text.js';
import { progressText } from './progress-text.js';

export type InstanceState = 'done' | 'cached' | 'running' | 'queued' | 'interrupted' | 'failed' | 'pending' | 'stale';

export interface InstanceStatus {
  readonly stage: string;
  readonly state: InstanceState;
  readonly key: StageKey;
  /** Committed output folder (done/cached). */
  readonly out?: string;
  readonly reason?: string;
  /** Why the last run of a failed, skipped or interrupted instance left it without output (journals since the Failure union). */
  readonly failure?: Failure;
  readonly durationMs?: number;
  /** When it started (running/interrupted). */
  readonly startedAt?: string;
  readonly progress?: Progress;
  /** When the last progress record of a running or interrupted instance was written. */
  readonly lastProgressAt?: string;
  /** Units per ms since the first progress of the current attempt (for an ETA). */
  readonly rate?: number;
  readonly attempts?: number;
  readonly exitCode?: number | null;
  readonly log?: string;
  readonly devices?: readonly string[];
  readonly metrics?: Readonly<Record<string, number | string>>;
  /** The key recorded by the previous run of this instance, when different. */
  readonly previousKey?: StageKey;
  /** The key this instance last ran or was cached under, in any state (`status --why`); absent when it never ran. */
  readonly lastKey?: StageKey;
  /** The Slurm job of the latest attempt while no run has finished with it (Slurm executor). */
  readonly jobId?: string;
  /** Slurm's view of that job while it lives (exec/slurm/status-view.ts fills it in). */
  readonly slurm?: SlurmView;
}

/** A live Slurm job as squeue shows it. */
export interface SlurmView {
  readonly jobId: string;
  /** PENDING, RUNNING, ... */
  readonly state: string;
  /** Why it waits (`Resources`, `Priority`, `Dependency`). */
  readonly reason: string;
  readonly node: string;
  readonly elapsedMs: number;
}

type Rec<T extends JournalRecord['t']> = Extract<JournalRecord, { t: T }>;

/**
 * What an instance-end says went wrong: its text (written from the Failure by failure-text.ts, or alone in older
 * journals) and the failure object itself where it records one (the engine wrote it from a Failure).
 */
function endFailure(end: Rec<'instance-end'> | undefined): { failure?: Failure; text?: string } {
  const failure = end?.failure as Failure | undefined;
  const text = end?.error ?? (failure !== undefined ? failureText(failure) : undefined);
  return { ...(failure !== undefined ? { failure } : {}), ...(text !== undefined ? { text } : {}) };
}

interface History {
  lastStart?: Rec<'instance-start'>;
  lastEnd?: Rec<'instance-end'>;
  /** Most recent key this instance ran or was cached under (any run of this pipeline). */
  lastKey?: StageKey;
  progress: Rec<'progress'>[];
  metrics: Record<string, number | string>;
}

export function computeStatus(keyed: KeyedPipeline, store: Store, journal: Journal, records: readonly JournalRecord[] = journal.read()): Map<string, InstanceStatus> {
  const runs = new Map<string, Rec<'run-start'>>();
  const ended = new Set<string>();
  const histories = new Map<string, Map<string, History>>(); // instance -> key -> history
  const lastKeyOf = new Map<string, StageKey>();
  // Runs of another file with this pipeline's name (a copy): only their keys are of use here.
  const kin = new Set<string>();
  const kinLastKeyOf = new Map<string, StageKey>();
  for (const r of records) {
    if (r.t === 'run-start') {
      if (r.pipeline === keyed.pipeline.file) runs.set(r.run, r);
      else if (r.name === keyed.pipeline.name) kin.add(r.run);
      continue;
    }
    if (r.t === 'run-end') {
      ended.add(r.run);
      continue;
    }
    if (kin.has(r.run)) {
      if (r.t === 'instance-start' || (r.t === 'instance-end' && r.outcome !== 'skipped')) kinLastKeyOf.set(r.stage, r.key);
      continue;
    }
    if (!runs.has(r.run)) continue;
    let byKey = histories.get(r.stage);
    if (byKey === undefined) histories.set(r.stage, (byKey = new Map()));
    let h = byKey.get(r.key);
    if (h === undefined) byKey.set(r.key, (h = { progress: [], metrics: {} }));
    if (r.t === 'instance-start') {
      h.lastStart = r;
      h.lastEnd = undefined;
      h.progress = [];
      lastKeyOf.set(r.stage, r.key);
    } else if (r.t === 'instance-end') {
      h.lastEnd = r;
      if (r.outcome !== 'skipped') lastKeyOf.set(r.stage, r.key);
    } else if (r.t === 'progress') h.progress.push(r);
    else if (r.t === 'metrics') Object.assign(h.metrics, r.metrics);
  }
  const holder = lockHeldByLiveProcess(store.lockPath);
  const liveRun = holder === undefined ? undefined : [...runs.values()].reverse().find((r) => r.pid === holder.pid && !ended.has(r.run));

  const out = new Map<string, InstanceStatus>();
  for (const inst of keyed.instances) {
    const h = histories.get(inst.name)?.get(inst.key);
    const base = { stage: inst.name, key: inst.key };
    const metrics = h && Object.keys(h.metrics).length ? { metrics: h.metrics } : {};
    const committed = store.committed(inst.key);
    if (committed) {
      const end = h?.lastEnd;
      const ranWith = h?.lastStart?.devices.length;
      const note = ranWith !== undefined && ranWith !== inst.stage.resources.devices && !inst.stage.resources.keyed
        ? { reason: `execution-only change: devices ${ranWith}->${inst.stage.resources.devices} (not in the key, no rerun)` } : {};
      out.set(inst.name, {
        ...base, state: end?.outcome === 'cached' ? 'cached' : 'done', out: store.objectDir(inst.key),
        ...(end?.durationMs !== undefined ? { durationMs: end.durationMs } : {}), ...metrics, ...note,
      });
      continue;
    }
    if (h?.lastStart && (h.lastEnd === undefined || h.lastEnd.time < h.lastStart.time || (h.lastEnd.outcome === 'interrupted'))) {
      const s = h.lastStart;
      const last = h.progress[h.progress.length - 1];
      const first = h.progress[0];
      const rate = last && first && last !== first ? (last.progress.done - first.progress.done) / (Date.parse(last.time) - Date.parse(first.time)) : undefined;
      const isRunning = h.lastEnd === undefined && liveRun !== undefined && s.run === liveRun.run;
      const ended = endFailure(h.lastEnd);
      out.set(inst.name, {
        ...base, state: isRunning ? 'running' : 'interrupted', startedAt: s.time, devices: s.devices, log: s.log, attempts: s.attempt, ...(s.jobId !== undefined && h.lastEnd === undefined ? { jobId: s.jobId } : {}),
        ...(last ? { progress: last.progress, lastProgressAt: last.time } : {}), ...(rate !== undefined && Number.isFinite(rate) ? { rate } : {}),
        ...(isRunning ? {} : { reason: `${ended.text ?? 'the runner stopped while it ran'}${last ? ` (last progress: ${progressText(last.progress)})` : ''}; pipe resume restarts it with its workspace` }),
        ...(ended.failure !== undefined ? { failure: ended.failure } : {}),
        ...metrics,
      });
      continue;
    }
    if (h?.lastEnd?.outcome === 'failed') {
      const e = h.lastEnd;
      const ended = endFailure(e);
      out.set(inst.name, {
        ...base, state: 'failed', reason: `${ended.text ?? 'failed'}${e.attempts ? `, ${e.attempts} attempt(s)` : ''}${e.log ? `; log: ${e.log}` : ''}`,
        ...(e.attempts !== undefined ? { attempts: e.attempts } : {}), ...(e.exitCode !== undefined ? { exitCode: e.exitCode } : {}),
        ...(e.log !== undefined ? { log: e.log } : {}), ...(ended.failure !== undefined ? { failure: ended.failure } : {}), ...metrics,
      });
      continue;
    }
    const prev = lastKeyOf.get(inst.name) ?? kinLastKeyOf.get(inst.name);
    if (prev !== undefined && prev !== inst.key) {
      const before = store.material(prev);
      let reason = 'key changed (no recorded key material to compare)';
      if (before) {
        const changes = diffMaterial(before, inst.material);
        reason = describeChanges(changes) || 'key changed';
        const onlyNeeds = changes.every((c) => c.field.startsWith('needs.'));
        if (onlyNeeds) {
          const ups = changes.map((c) => c.field.slice(6));
          const upReason = ups.map((u) => out.get(u)).find((s) => s?.state === 'stale' && s.reason);
          reason = upReason ? `upstream ${upReason.stage}: ${upReason.reason?.replace(/^upstream [^:]+: /, '')}` : `upstream changed: ${ups.join(', ')}`;
        }
      }
      out.set(inst.name, { ...base, state: 'stale', reason, previousKey: prev });
      continue;
    }
    const lastOutcome = h?.lastEnd?.outcome;
    const skip = lastOutcome === 'skipped' ? endFailure(h?.lastEnd) : {};
    const skipped = lastOutcome === 'skipped' ? { reason: `skipped: ${skip.text ?? ''}`, ...(skip.failure !== undefined ? { failure: skip.failure } : {}) }
      : lastOutcome === 'ran' || lastOutcome === 'cached' ? { reason: 'its output is gone from the store (removed by gc or by hand)' } : {};
    out.set(inst.name, { ...base, state: 'pending', ...skipped });
  }
  for (const [name, s] of out) {
    const last = lastKeyOf.get(name) ?? kinLastKeyOf.get(name);
    if (last !== undefined) out.set(name, { ...s, lastKey: last });
  }
  return out;
}

/**
 * What one `execute` shares across its instances: the options, the outcomes so far, the attempts running, and
 * whether the run is stopping. The steps of an attempt (attempt-prepare.ts, attempt-start.ts,
 * attempt-settle.ts) read and update it; `finish` is the one place an instance's end is journalled and logged.
 */
import type { Journal, Outcome } from '../cache/journal.js';
import type { StageKey } from '../cache/brands.js';
import type { Store } from '../cache/store.js';
import type { Failure, StageFinishedEvent } from '../log/events.js';
import { failureText } from '../log/failure-text.js';
import type { Logger } from '../log/logger.js';
import type { KeyedInstance, KeyedPipeline } from '../resolve/keys.js';
import type { DeviceKind } from '../../stage-api/types.js';
import type { Admission } from './admission.js';
import type { AttemptBackend, OpenAttempt, RunningAttempt } from './launch/types.js';
import { localBackend } from './local-backend.js';

export interface ExecuteOptions {
  readonly keyed: KeyedPipeline;
  readonly store: Store;
  readonly journal: Journal;
  readonly run: string;
  readonly admission: Admission;
  readonly defaultKind: DeviceKind;
  readonly keepGoing: boolean;
  readonly graceMs: number;
  readonly logger: Logger;
  readonly signal?: AbortSignal;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Called once, before the first stage process starts (the runner starts its watchdog here). */
  readonly beforeFirstStart?: () => void;
  /** Where attempts start: local child processes (default) or Slurm jobs. */
  readonly backend?: AttemptBackend;
  /** Attempts that earlier runs left open, by key: attached to through `backend.attach`, never started again. */
  readonly reattach?: { readonly backend: AttemptBackend; readonly open: ReadonlyMap<StageKey, OpenAttempt> };
  /** Start every instance (dependents after their upstream) and return without waiting; for attempts that outlive pipe. */
  readonly detach?: boolean;
}

/** An instance's result inside one execute: an outcome, or (detached) left running as a job. */
export type TaskOutcome = Outcome | 'submitted';

/** The end of one instance, besides its outcome: what the journal and the loggers get. */
export type FinishDetail = Omit<StageFinishedEvent, 'stage' | 'outcome' | 'key'>;

export class Execution {
  readonly outcomes = new Map<string, Outcome>();
  /** Instances left running without pipe (`detach`), with their job ids. */
  readonly submitted = new Map<string, string>();
  readonly running = new Set<RunningAttempt>();
  readonly backend: AttemptBackend;
  /**
   * Progress reaches the journal at most this often per instance (the last one always does): days-long stages
   * must not grow the journal without bound.
   */
  readonly progressEveryMs: number;
  /** No new instance starts (a failure without keep-going, or an interrupt). */
  stopping = false;
  interrupted = false;
  /** An error that escaped every caller while the run went on (a bug): the run stops as for an interrupt. */
  internalError: Error | undefined;
  #startedAny = false;
  readonly #told = new Set<string>();

  constructor(readonly o: ExecuteOptions) {
    this.backend = o.backend ?? localBackend;
    this.progressEveryMs = Number((o.env ?? process.env)['PIPE_PROGRESS_INTERVAL_MS'] ?? 5000);
  }

  now(): string {
    return new Date().toISOString();
  }

  /** Interrupt: nothing new starts, waiting admissions are cancelled, running attempts get terminated. */
  interrupt(): void {
    this.interrupted = true;
    this.stopping = true;
    this.o.admission.cancelAll(new Error('interrupted'));
    for (const r of this.running) void r.terminate();
  }

  /**
   * A bug surfaced where nobody could catch it: say so, start nothing more (keep-going or not) and end the
   * running attempts, which then fail with the error, so the run winds down as usual and releases the store.
   */
  crash(error: unknown): void {
    const e = error instanceof Error ? error : new Error(String(error));
    const first = this.internalError === undefined;
    this.internalError ??= e;
    this.o.logger.info?.(`Internal error: ${e.stack ?? e.message}${first ? '\n  ending the running stages; the store is released as after a failure' : ''}`);
    if (!first) return;
    this.stopping = true;
    this.o.admission.cancelAll(e);
    for (const r of this.running) void r.terminate();
  }

  /** The failure of an attempt that the crash ended (undefined while none happened). */
  crashFailure(): Failure | undefined {
    const e = this.internalError;
    return e === undefined ? undefined : { reason: 'internal-error', message: e.stack ?? e.message };
  }

  /** Tells the loggers `message` unless it was told already (what a backend says once for all its attempts). */
  tellOnce(message: string): void {
    if (this.#told.has(message)) return;
    this.#told.add(message);
    this.o.logger.info?.(message);
  }

  /** Before an attempt starts or is attached to: the first one calls `beforeFirstStart`. */
  starting(): void {
    if (this.#startedAny) return;
    this.#startedAny = true;
    this.o.beforeFirstStart?.();
  }

  /** Records an instance's end: the journal's instance-end (failure object and its text) and the loggers. */
  finish(inst: KeyedInstance, outcome: Outcome, extra: FinishDetail = {}): Outcome {
    const { o } = this;
    this.outcomes.set(inst.name, outcome);
    const base = { t: 'instance-end', run: o.run, time: this.now(), stage: inst.name, key: inst.key, outcome } as const;
    if (outcome !== 'cached') {
      o.journal.append({
        ...base,
        ...(extra.attempts !== undefined ? { attempts: extra.attempts } : {}),
        ...(extra.exitCode !== undefined ? { exitCode: extra.exitCode } : {}),
        // `error` is what older journals carry alone, and what readers of old lines still read.
        ...(extra.failure !== undefined ? { error: failureText(extra.failure), failure: extra.failure } : {}),
        ...(extra.log !== undefined ? { log: extra.log } : {}),
        ...(extra.durationMs !== undefined ? { durationMs: extra.durationMs } : {}),
      });
    } else {
      o.journal.append(base);
    }
    o.logger.stageFinished?.({ stage: inst.name, outcome, key: inst.key, ...extra });
    return outcome;
  }
}

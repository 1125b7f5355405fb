/**
 * Events the engine emits while planning and running; loggers observe them (log/logger.ts). A failure
 * travels as a `Failure` (keyed by `reason`), never as text: failure-text.ts renders it for people, the
 * journal and `pipe status --json` keep the object.
 */
import type { Outcome } from '../cache/journal.js';
import type { DamagedInput } from '../cache/rebuild-inputs.js';

/** The stage's process exited with a status other than 0. */
export interface ExitNonZeroFailure {
  readonly reason: 'exit-non-zero';
  readonly exitCode: number;
}

/** The stage's process was ended by a signal pipe did not send (the kernel's OOM killer, a kill from outside). */
export interface SignalFailure {
  readonly reason: 'signal';
  readonly signal: string;
}

/** The attempt ran past the stage's `timeout`; pipe ended its process group. */
export interface TimeoutFailure {
  readonly reason: 'timeout';
  readonly timeoutMs: number;
}

/** The attempt never started: the program could not be spawned, or the cluster refused the job. */
export interface SpawnErrorFailure {
  readonly reason: 'spawn-error';
  readonly message: string;
}

/** The stage exited 0 but left declared `outputs` unwritten (paths relative to its output folder). */
export interface OutputsMissingFailure {
  readonly reason: 'outputs-missing';
  readonly missing: readonly string[];
}

/** The cluster ended the attempt's job badly (FAILED, TIMEOUT, OUT_OF_MEMORY, ...), or lost track of it. */
export interface ClusterJobFailure {
  readonly reason: 'cluster-job';
  readonly jobId: string;
  /** The job's final state as the cluster names it; absent when the cluster no longer knows the job. */
  readonly state?: string;
  readonly exitCode?: number;
  /** The backend's account, with the advice it knows (raise resources.time, the store is not shared, ...). */
  readonly message: string;
}

/** Not started: an instance it needs failed or was skipped. */
export interface UpstreamFailedFailure {
  readonly reason: 'upstream-failed';
  readonly upstream: string;
  readonly upstreamOutcome: Outcome;
}

/** The run stopped around it: an earlier failure (no --keep-going), a stop before it started, or a runner that died while it ran. */
export interface StoppedFailure {
  readonly reason: 'stopped';
  readonly cause: 'earlier-failure' | 'before-start' | 'runner-died';
}

/** Not started: a committed object it reads failed the manifest check (damage its stat did not show); it was removed. */
export interface InputsDamagedFailure {
  readonly reason: 'inputs-damaged';
  readonly inputs: readonly DamagedInput[];
}

/** A bug in pipe: an exception the executor did not expect, with its stack. */
export interface InternalErrorFailure {
  readonly reason: 'internal-error';
  readonly message: string;
}

/** Why an instance has no committed output from this run. */
export type Failure =
  | ExitNonZeroFailure
  | SignalFailure
  | TimeoutFailure
  | SpawnErrorFailure
  | OutputsMissingFailure
  | ClusterJobFailure
  | UpstreamFailedFailure
  | StoppedFailure
  | InputsDamagedFailure
  | InternalErrorFailure;

export interface StageStartedEvent {
  readonly stage: string;
  readonly key: string;
  readonly attempt: number;
  readonly devices: readonly string[];
  readonly deviceKind: string;
  readonly log: string;
  readonly resume: boolean;
}

export interface StageFinishedEvent {
  readonly stage: string;
  readonly outcome: Outcome;
  readonly key: string;
  readonly out?: string;
  readonly durationMs?: number;
  readonly attempts?: number;
  readonly exitCode?: number | null;
  /** Why a failed, skipped or interrupted instance has no output (absent for ran and cached). */
  readonly failure?: Failure;
  readonly log?: string;
  /** Last lines of the log of a failed attempt. */
  readonly tail?: string;
}

/** The cluster put a running instance's job back in its queue (preemption, `scontrol requeue`): it runs again under the same job. */
export interface StageRequeuedEvent {
  readonly stage: string;
  readonly key: string;
  readonly jobId: string;
  /** How many times the job has been requeued so far. */
  readonly restart: number;
  readonly message: string;
}

/** One line of `pipe run --dry-run`. */
export interface PlannedEvent {
  readonly stage: string;
  readonly key: string;
  readonly verdict: 'hit' | 'miss' | 'stale';
  readonly reasons: readonly string[];
  readonly command: string;
  readonly devices: readonly string[];
  readonly deviceKind: string;
  readonly needs: readonly string[];
}

export interface RunSummary {
  readonly pipeline: string;
  readonly exitCode: number;
  readonly ran: number;
  readonly cached: number;
  readonly failed: number;
  readonly skipped: number;
  readonly interrupted: number;
  readonly durationMs: number;
}

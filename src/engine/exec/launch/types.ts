/**
 * What an attempt is, whichever backend runs it. The executor prepares one attempt (staging folder, workspace,
 * log, environment, the command) the same way for every backend; the backend places it (devices, rendezvous),
 * starts it and hands back a RunningAttempt (wait with `done`, stop with `terminate`), and where attempts outlive
 * pipe it attaches to one that an earlier run left open. `local`: a child process group of pipe
 * (exec/local-backend.ts). `slurm`: one sbatch job (exec/slurm/backend.ts), re-attached by job id after pipe
 * itself died. The executor never names a backend: what differs between them sits behind this interface
 * (Snakemake's executor plugins keep the same split). Types only: exec/ and exec/slurm/ both import them, so
 * neither imports the other for them.
 */
import type { Resources } from '../../config/types.js';
import type { Failure } from '../../log/events.js';
import type { PipeMessage } from '../../../stage-api/protocol.js';
import type { DeviceKind } from '../../../stage-api/types.js';

export interface AttemptSpec {
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly logPath: string;
  /** Lines written at the top of the log (the assignment record). */
  readonly header: string;
  /** The stage's `timeout`: the local backend ends the process group, Slurm makes it the job's time limit. */
  readonly timeoutMs?: number;
  readonly graceMs: number;
  readonly onMessage: (message: PipeMessage) => void;
  readonly onNotice: (notice: AttemptNotice) => void;
}

/** What a backend tells about a running attempt besides its messages: what a person following the run should know. */
export type AttemptNotice =
  /** The scheduler put the attempt back in its queue (preemption, `scontrol requeue`): it runs again under the same job. */
  | { readonly kind: 'requeued'; readonly jobId: string; readonly restart: number; readonly message: string }
  /**
   * About the backend itself, not the attempt (its scheduler stopped or started answering again): the same words
   * reach every attempt it concerns, and are shown once.
   */
  | { readonly kind: 'backend'; readonly message: string };

export interface AttemptResult {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly terminated: boolean;
  /**
   * Why the backend ended the attempt or could not start it (spawn-error, timeout, cluster-job); absent when the
   * exit status tells the rest.
   */
  readonly failure?: Failure;
}

export interface RunningAttempt {
  /** The stage's process group (0 for a batch job, whose processes live on a cluster node). */
  readonly pid: number;
  /** The backend's id of an attempt that outlives pipe (a Slurm job id): journalled, so a later run attaches to it. */
  readonly jobId?: string;
  /** How messages name that job (`Slurm job 4711`). */
  readonly jobLabel?: string;
  readonly pidStart?: string;
  readonly done: Promise<AttemptResult>;
  /** Ends the attempt: SIGTERM to the process group, then SIGKILL after the grace period (or scancel). */
  terminate(): Promise<void>;
}

/** What the journal keeps of an attempt that outlives pipe: enough to attach to it again. */
export interface AttemptRef {
  readonly jobId: string;
  readonly log: string;
  readonly out: string;
  /** The stage's `timeout`: how long the backend's silence is waited out before the attempt is given up. */
  readonly timeoutMs?: number;
}

/** An attempt an earlier run journalled and nobody finished with (exec/slurm/open-jobs.ts finds them). */
export interface OpenAttempt extends AttemptRef {
  /** When it was started, by whichever run. */
  readonly time: string;
  readonly attempt: number;
  readonly resume: boolean;
}

/** Where an attempt runs, chosen before it starts. */
export interface Placement {
  /** What tells the stage its devices and rendezvous (empty where the cluster sets them in the job). */
  readonly env: Readonly<Record<string, string>>;
  /** The rendezvous port pipe reserved; 0 when none (a Slurm job derives its own from its job id). */
  readonly port: number;
  /** How the log's header names the placement (`port 41234`, `on Slurm`). */
  readonly text: string;
  /** Gives back what `place` reserved, once the attempt ended. */
  release(): void;
}

export interface Launch {
  readonly spec: AttemptSpec;
  readonly instance: string;
  readonly key: string;
  readonly attempt: number;
  /** The attempt's staging folder (PIPE_OUT). */
  readonly out: string;
  /** The declared outputs, resolved, relative to `out`: checked before a job-side commit. */
  readonly outputs: readonly string[];
  readonly resources: Resources;
  readonly kind: DeviceKind;
  /** Ids of upstream attempts still running without pipe (`jobId`): this one may start only after they succeed. */
  readonly afterOk: readonly string[];
  /** pipe will not wait for the attempt (`pipe run --detach`): it commits its own output after a clean exit. */
  readonly detach: boolean;
}

export interface AttemptBackend {
  /**
   * True when the backend's scheduler grants devices and queues attempts (a cluster): pipe's own admission is
   * skipped, and the ranks of an attempt see devices 0..n-1 of their node.
   */
  readonly grantsDevices: boolean;
  place(kind: DeviceKind, devices: readonly string[]): Promise<Placement>;
  start(launch: Launch): Promise<RunningAttempt>;
  /** Follows an attempt that an earlier run started and left open, until it ends; never starts it again. */
  attach?(ref: AttemptRef, onMessage: (message: PipeMessage) => void, onNotice: (notice: AttemptNotice) => void): RunningAttempt;
}

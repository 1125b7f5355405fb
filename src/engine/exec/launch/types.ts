/**
 * What an attempt is, whichever backend runs it. The executor prepares one attempt (staging folder, workspace,
 * log, environment, the command) the same way for every backend; a backend starts it and hands back a
 * RunningAttempt (wait with `done`, stop with `terminate`). `local`: a child process group of pipe
 * (exec/attempt.ts). `slurm`: one sbatch job (exec/slurm/backend.ts), which can also be re-attached by id after
 * pipe itself died. Types only: exec/ and exec/slurm/ both import them, so neither imports the other for them.
 */
import type { ExecutorConfig, Resources } from '../../config/types.js';
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
  readonly timeoutMs?: number;
  readonly graceMs: number;
  readonly onMessage: (message: PipeMessage) => void;
}

export interface AttemptResult {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  readonly terminated: boolean;
  /** Spawn failure text, if the process never started. */
  readonly error?: string;
  /** Why the backend ended the attempt, in words (a Slurm job's TIMEOUT, OUT_OF_MEMORY, ...). */
  readonly failure?: string;
}

export interface RunningAttempt {
  /** The stage's process group (0 for a batch job, whose processes live on a cluster node). */
  readonly pid: number;
  /** The Slurm job id (slurm backend). */
  readonly jobId?: string;
  readonly pidStart?: string;
  readonly done: Promise<AttemptResult>;
  /** Ends the process group: SIGTERM, then SIGKILL after the grace period. */
  terminate(): Promise<void>;
}

export interface JobRequest {
  /** `pipe:<pipeline>:<instance>`. */
  readonly name: string;
  /** The job's comment: its key and store (unrecorded-jobs.ts). */
  readonly comment: string;
  /** The attempt's log: the job's stdout and stderr are appended to it. */
  readonly log: string;
  readonly cwd: string;
  readonly resources: Resources;
  readonly kind: DeviceKind;
  readonly executor: ExecutorConfig;
  /** The stage's `timeout` (ms): the job's time limit when neither resources.time nor executor.time is set. */
  readonly timeoutMs?: number;
  /** Job ids this job may start after (all must complete successfully). */
  readonly afterOk?: readonly string[];
}

export interface Launch {
  readonly spec: AttemptSpec;
  readonly instance: string;
  readonly key: string;
  readonly attempt: number;
  /** The attempt's staging folder (PIPE_OUT). */
  readonly out: string;
  /** What a batch job needs beyond the spec (ignored by the local backend). */
  readonly job: Omit<JobRequest, 'log' | 'cwd'>;
  /** argv of the job-side commit (pipe run --detach). */
  readonly commit: readonly string[];
}

export interface AttemptBackend {
  readonly kind: 'local' | 'slurm';
  start(launch: Launch): Promise<RunningAttempt>;
}

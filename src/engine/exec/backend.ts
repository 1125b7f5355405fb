/**
 * Where an attempt runs. The executor prepares one attempt (staging folder, workspace, log, environment, the
 * command) the same way for every backend; a backend starts it and hands back a RunningAttempt (wait with
 * `done`, stop with `terminate`). `local`: a child process group of pipe (attempt.ts). `slurm`: one sbatch
 * job (slurm/backend.ts), which can also be re-attached by id after pipe itself died.
 */
import type { AttemptSpec, RunningAttempt } from './attempt.js';
import type { JobRequest } from './slurm/sbatch-flags.js';

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

/**
 * Slurm job states as pipe reads them (squeue %T, scontrol JobState, sacct State): which are still live, and
 * what a finished job's state means for its attempt. Pure: no Slurm calls here.
 */

/** One job as one poll saw it. */
export interface SlurmJob {
  readonly id: string;
  /** PENDING, RUNNING, COMPLETED, TIMEOUT, ... (`CANCELLED by 0` is reduced to CANCELLED). */
  readonly state: string;
  /** squeue's reason (`Resources`, `Priority`, `Dependency`, `None`). */
  readonly reason: string;
  /** Node list ('' while pending). */
  readonly node: string;
  /** Elapsed run time as Slurm prints it (`2:13:05`, `1-02:00:00`). */
  readonly elapsed: string;
  /** Exit status of the batch script (finished jobs). */
  readonly exitCode?: number;
  /** Signal that ended the batch script, 0 when none (finished jobs). */
  readonly signal?: number;
  /** The time limit, as Slurm prints it (finished jobs, from scontrol). */
  readonly timeLimit?: string;
}

/** States after which the job will not run again by itself. */
const FINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'PREEMPTED', 'BOOT_FAIL', 'DEADLINE', 'OUT_OF_MEMORY', 'SPECIAL_EXIT', 'REVOKED']);

export function isFinal(state: string): boolean {
  return FINAL.has(state);
}

export function isQueued(state: string): boolean {
  return state === 'PENDING' || state === 'REQUEUED' || state === 'REQUEUE_HOLD' || state === 'REQUEUE_FED' || state === 'SUSPENDED';
}

/** `CANCELLED by 0` (sacct) -> CANCELLED; `CANCELLED+` -> CANCELLED. */
export function baseState(text: string): string {
  return (text.trim().split(/[\s+]/)[0] ?? '').toUpperCase();
}

/**
 * Why a finished job's attempt failed, in words (undefined when it succeeded). The reason names the
 * Slurm state, so a researcher reading `pipe status` knows whether to raise `time`, `memory`, or look at a node.
 */
export function failureOf(job: SlurmJob): string | undefined {
  const what = `Slurm job ${job.id}`;
  switch (job.state) {
    case 'COMPLETED':
      return job.exitCode === undefined || job.exitCode === 0 ? undefined : `${what} exited ${job.exitCode}`;
    case 'FAILED':
      if (job.signal) return `${what} FAILED (killed by signal ${job.signal})`;
      return `${what} FAILED (exit ${job.exitCode ?? '?'})`;
    case 'TIMEOUT':
      return `${what} TIMEOUT: reached its time limit${job.timeLimit ? ` ${job.timeLimit}` : ''} (raise resources.time)`;
    case 'OUT_OF_MEMORY':
      return `${what} OUT_OF_MEMORY: exceeded its memory (raise resources.memory)`;
    case 'CANCELLED':
      return `${what} CANCELLED (scancel from outside pipe, or by an administrator)`;
    case 'NODE_FAIL':
      return `${what} NODE_FAIL: node ${job.node || '?'} failed`;
    case 'PREEMPTED':
      return `${what} PREEMPTED by a higher-priority job`;
    default:
      return `${what} ${job.state}${job.reason && job.reason !== 'None' ? ` (${job.reason})` : ''}`;
  }
}

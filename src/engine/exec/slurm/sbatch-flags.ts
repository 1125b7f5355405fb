/**
 * An instance's resources and the executor block -> sbatch flags. Pure, so the mapping is tested as a table.
 * One job per instance. `devices: N` is N tasks (one rank each, started by srun inside the job; spread over
 * `nodes`, N/nodes per node) and, on CUDA/NPU, N/nodes devices per node; without devices, one task of one CPU.
 */
import type { ExecutorConfig, Resources } from '../../config/types.js';
import type { DeviceKind } from '../../../stage-api/types.js';

/** One attempt as sbatch sees it. */
export interface JobRequest {
  /** `pipe:<pipeline>:<instance>` (jobName). */
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

/** The job name of an instance: squeue and sacct show it, so a researcher finds the pipeline's jobs. */
export function jobName(pipeline: string, instance: string): string {
  return `pipe:${pipeline}:${instance}`;
}

/** ms -> sbatch minutes (rounded up: Slurm's limits are whole minutes). */
function minutes(ms: number): string {
  return String(Math.max(1, Math.ceil(ms / 60_000)));
}

export function sbatchFlags(r: JobRequest): string[] {
  const res = r.resources;
  const flags = [`--job-name=${r.name}`, `--comment=${r.comment}`, `--output=${r.log}`, `--error=${r.log}`, '--open-mode=append', `--chdir=${r.cwd}`, '--export=ALL'];
  const n = res.devices;
  const nodes = res.nodes ?? 1;
  if (n <= 1) flags.push('--ntasks=1', '--cpus-per-task=1');
  else if (nodes > 1) flags.push(`--nodes=${nodes}`, `--ntasks-per-node=${n / nodes}`, '--cpus-per-task=1');
  else flags.push(`--ntasks=${n}`, '--cpus-per-task=1');
  if (n > 0 && r.kind === 'cuda') flags.push(`--gres=gpu:${n / nodes}`);
  else if (n > 0 && r.kind === 'npu') flags.push(`--gres=npu:${n / nodes}`);
  const time = res.time ?? r.executor.time ?? (r.timeoutMs !== undefined ? minutes(r.timeoutMs) : undefined);
  if (time !== undefined) flags.push(`--time=${time}`);
  if (res.memory !== undefined) flags.push(`--mem=${res.memory}`);
  const partition = res.partition ?? r.executor.partition;
  if (partition !== undefined) flags.push(`--partition=${partition}`);
  if (r.executor.account !== undefined) flags.push(`--account=${r.executor.account}`);
  if (r.executor.qos !== undefined) flags.push(`--qos=${r.executor.qos}`);
  if (r.executor.constraint !== undefined) flags.push(`--constraint=${r.executor.constraint}`);
  if (r.afterOk !== undefined && r.afterOk.length > 0) flags.push(`--dependency=afterok:${r.afterOk.join(':')}`, '--kill-on-invalid-dep=yes');
  flags.push(...r.executor.sbatch);
  return flags;
}

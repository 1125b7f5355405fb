/** How `pipe status` prints an instance that is a live Slurm job: text line and `--json` fields. */
import type { InstanceStatus } from '../log/instance-status.js';
import { progressText } from '../log/progress-text.js';
import { formatDuration } from '../../util/duration.js';

/** `on node03 (job 4711, 2h13m) epoch 3/20 ...` (running) or `(job 4711: Resources)` (queued). */
export function slurmText(s: InstanceStatus): string {
  const j = s.slurm;
  if (j === undefined) return '';
  if (s.state === 'queued') return `(job ${j.jobId}: ${j.reason || j.state})`;
  const progress = s.progress ? ` ${progressText(s.progress, s.rate)}` : '';
  return `on ${j.node || '?'} (job ${j.jobId}, ${formatDuration(j.elapsedMs)})${progress}`;
}

/** `{executor, job_id, slurm_state, node}` for `pipe status --json` (absent for local instances). */
export function slurmJson(s: InstanceStatus): Record<string, string | null> {
  if (s.jobId === undefined) return {};
  return { executor: 'slurm', job_id: s.jobId, slurm_state: s.slurm?.state ?? null, node: s.slurm?.node || null };
}

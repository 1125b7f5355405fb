/**
 * `pipe status` during a Slurm run: instances whose latest attempt is a live job get Slurm's view, from one
 * squeue call for all of them: `queued` (with squeue's reason) or `running` on a node for so long. This holds
 * while pipe is away too (killed, or `--detach`): the journal has the job ids, the cluster has the rest.
 * Without an answer from Slurm the journal's view stays, and says that slurmctld is not answering, since when.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { InstanceStatus } from '../../log/instance-status.js';
import { parseMessage } from '../../../stage-api/protocol.js';
import type { Progress } from '../../../stage-api/types.js';
import { squeue } from './client.js';
import { isFinal, isQueued } from './job-state.js';
import { readSilence, silenceText } from './silence.js';

/** squeue's elapsed time (`2:13:05`, `13:05`, `1-02:00:00`) in ms. */
export function elapsedMs(text: string): number {
  const m = /^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+)$/.exec(text.trim());
  if (m === null) return 0;
  const [, d, h, min, s] = m;
  return (((Number(d ?? 0) * 24 + Number(h ?? 0)) * 60 + Number(min)) * 60 + Number(s)) * 1000;
}

/**
 * The latest progress line in the last 64 KiB of a job's log: with pipe away (detached, killed) the journal
 * has no progress, but the job's `::pipe::` lines are in its log on the shared store.
 */
export function progressFromLog(path: string): Progress | undefined {
  try {
    const size = statSync(path).size;
    const length = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(length);
    const fd = openSync(path, 'r');
    try {
      readSync(fd, buf, 0, length, size - length);
    } finally {
      closeSync(fd);
    }
    const lines = buf.toString('utf8').split('\n').reverse();
    for (const line of lines) {
      const m = parseMessage(line);
      if (m?.type === 'progress') {
        const { type: _t, ...p } = m;
        return p;
      }
    }
  } catch {
    /* no log yet */
  }
  return undefined;
}

/**
 * Slurm did not answer status's squeue: the journal's view stays, and each instance with a job says why Slurm's
 * view is missing, since when (the runner's record of the silence, else the start of this squeue call).
 */
function withoutAnswer(stages: readonly InstanceStatus[], error: Error, askedAt: Date, storeRoot: string | undefined): InstanceStatus[] {
  const silence = storeRoot !== undefined ? readSilence(storeRoot) : undefined;
  const text = silenceText(silence?.since ?? askedAt.toISOString(), silence?.error ?? error.message);
  return stages.map((s) => {
    if (s.jobId === undefined || (s.state !== 'running' && s.state !== 'interrupted')) return s;
    return { ...s, reason: s.state === 'running' ? text : `${text}; ${s.reason ?? ''}` };
  });
}

export async function withSlurmView(stages: readonly InstanceStatus[], env: Readonly<Record<string, string | undefined>>, storeRoot?: string): Promise<InstanceStatus[]> {
  const ids = stages.filter((s) => s.jobId !== undefined && (s.state === 'running' || s.state === 'interrupted')).map((s) => s.jobId as string);
  if (ids.length === 0) return [...stages];
  let jobs;
  const askedAt = new Date();
  try {
    jobs = await squeue(ids, env);
  } catch (error) {
    return withoutAnswer(stages, error as Error, askedAt, storeRoot);
  }
  return stages.map((s) => {
    const job = s.jobId === undefined ? undefined : jobs.get(s.jobId);
    if (s.jobId === undefined || (s.state !== 'running' && s.state !== 'interrupted')) return s;
    if (job === undefined || isFinal(job.state)) {
      // Ended while no pipe followed it (detached, or pipe was killed): say so, and what resume will do.
      if (s.state !== 'interrupted') return s;
      const ended = job === undefined ? 'finished' : `ended ${job.state}`;
      const next = job?.state === 'COMPLETED' ? 'commits its output' : job === undefined ? 'commits or retries it' : 'retries it (per retry:)';
      return { ...s, reason: `Slurm job ${s.jobId} ${ended} while pipe was away; pipe resume ${next}` };
    }
    // A live job has no failure (yet): what an earlier end recorded no longer describes it.
    const { reason: _reason, failure: _failure, ...rest } = s;
    const progress = s.progress ?? (s.log !== undefined ? progressFromLog(s.log) : undefined);
    return {
      ...rest, ...(progress !== undefined ? { progress } : {}), state: isQueued(job.state) ? 'queued' : 'running',
      slurm: { jobId: job.id, state: job.state, reason: job.reason, node: job.node, elapsedMs: elapsedMs(job.elapsed) },
    };
  });
}

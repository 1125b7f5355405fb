/**
 * Watches the run's Slurm jobs with one `squeue` call per interval for all of them (never one call per job):
 * the interval starts at PIPE_SLURM_POLL_MS (default 2 s) and backs off by half again per quiet poll up to
 * 15 times that (30 s by default), back to the start when any job changed. A job that squeue lists as final,
 * or no longer lists, gets one sacct/scontrol call for its final record.
 */
import { finalJob, squeue } from './client.js';
import { isFinal, type SlurmJob } from './job-state.js';

export interface JobWatcher {
  /** Each poll while the job lives (state, node, elapsed). */
  readonly update: (job: SlurmJob) => void;
  /** Once: the final record, or undefined when Slurm no longer knows the job. */
  readonly end: (job: SlurmJob | undefined) => void;
}

export class SlurmPoller {
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #baseMs: number;
  readonly #watchers = new Map<string, JobWatcher>();
  readonly #last = new Map<string, string>();
  #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #polling = false;

  constructor(env: Readonly<Record<string, string | undefined>>) {
    this.#env = env;
    const base = Number(env['PIPE_SLURM_POLL_MS'] ?? 2000);
    this.#baseMs = Number.isFinite(base) && base > 0 ? base : 2000;
    this.#intervalMs = this.#baseMs;
  }

  watch(id: string, watcher: JobWatcher): void {
    this.#watchers.set(id, watcher);
    this.#intervalMs = this.#baseMs;
    this.#schedule(0);
  }

  /** Stops watching every job (pipe run --detach leaves them to the cluster). */
  close(): void {
    this.#watchers.clear();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Poll soon (after a cancel, the end should not wait for a backed-off interval). */
  nudge(): void {
    this.#intervalMs = this.#baseMs;
    this.#schedule(this.#baseMs);
  }

  #schedule(ms: number): void {
    if (this.#polling) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#poll(), ms);
  }

  async #poll(): Promise<void> {
    this.#timer = undefined;
    if (this.#watchers.size === 0) return;
    this.#polling = true;
    let changed = false;
    try {
      const ids = [...this.#watchers.keys()];
      const seen = await squeue(ids, this.#env);
      for (const id of ids) {
        const w = this.#watchers.get(id);
        if (w === undefined) continue;
        const job = seen.get(id);
        if (job !== undefined && !isFinal(job.state)) {
          const sig = `${job.state}|${job.reason}|${job.node}`;
          if (this.#last.get(id) !== sig) changed = true;
          this.#last.set(id, sig);
          w.update(job);
          continue;
        }
        changed = true;
        this.#watchers.delete(id);
        this.#last.delete(id);
        w.end((await finalJob(id, this.#env)) ?? job);
      }
    } catch {
      // A slurmctld that does not answer for a moment is normal on a busy cluster: try again later.
    } finally {
      this.#polling = false;
    }
    this.#intervalMs = changed ? this.#baseMs : Math.min(this.#baseMs * 15, this.#intervalMs * 1.5);
    if (this.#watchers.size > 0) this.#schedule(this.#intervalMs);
  }
}

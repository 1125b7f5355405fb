/**
 * Watches the run's Slurm jobs with one `squeue` call per interval for all of them (never one call per job):
 * the interval starts at PIPE_SLURM_POLL_MS (default 2 s) and backs off by half again per quiet poll up to
 * 15 times that (30 s by default), back to the start when any job changed. A job that squeue lists as final,
 * or no longer lists, gets one sacct/scontrol call for its final record; a record that is still live there is
 * no end, and the job stays watched.
 *
 * A poll that Slurm does not answer (slurmctld down or restarting: squeue fails after its own ~18 s of retries)
 * says nothing about the jobs: they stay watched, the interval backs off as for a quiet poll, and the watchers
 * hear when the silence began (each such poll) and when Slurm answers again. Jobs run on without the
 * controller, and it recovers them from its saved state.
 */
import { finalJob, SlurmCommandError, squeue } from './client.js';
import { isFinal, type SlurmJob } from './job-state.js';

export interface JobWatcher {
  /** Each poll while the job lives (state, node, elapsed). */
  readonly update: (job: SlurmJob) => void;
  /** Once: the final record, or undefined when Slurm no longer knows the job. */
  readonly end: (job: SlurmJob | undefined) => void;
  /** Each poll Slurm did not answer: since when it has been silent (epoch ms), and its last words. */
  readonly unanswered?: (sinceMs: number, error: string) => void;
  /** Slurm answered again after a silence that began at `sinceMs`, `nowMs`. */
  readonly answered?: (sinceMs: number, nowMs: number) => void;
}

export class SlurmPoller {
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #baseMs: number;
  readonly #watchers = new Map<string, JobWatcher>();
  readonly #last = new Map<string, string>();
  #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #polling = false;
  /** When Slurm stopped answering (epoch ms); undefined while it answers. */
  #silentSince: number | undefined;

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

  /** Stops watching one job (its attempt gave up on it). */
  unwatch(id: string): void {
    this.#watchers.delete(id);
    this.#last.delete(id);
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
    // A silence begins when the first unanswered call was made, not when it gave up (~18 s later).
    const askedAt = Date.now();
    try {
      changed = await this.#pollOnce();
      if (this.#silentSince !== undefined) {
        const since = this.#silentSince;
        this.#silentSince = undefined;
        const now = Date.now();
        for (const w of this.#watchers.values()) w.answered?.(since, now);
      }
    } catch (error) {
      // A bug is no silence of Slurm's: it goes on to the run's crash guard (executor.ts).
      if (!(error instanceof SlurmCommandError)) throw error;
      // No answer is no news: every job stays watched.
      this.#silentSince ??= askedAt;
      const message = (error as Error).message;
      for (const w of [...this.#watchers.values()]) w.unanswered?.(this.#silentSince, message);
    } finally {
      this.#polling = false;
    }
    this.#intervalMs = changed ? this.#baseMs : Math.min(this.#baseMs * 15, this.#intervalMs * 1.5);
    if (this.#watchers.size > 0) this.#schedule(this.#intervalMs);
  }

  /** One round over the watched jobs; whether any changed. Throws (SlurmUnansweredError) when Slurm is silent. */
  async #pollOnce(): Promise<boolean> {
    let changed = false;
    const ids = [...this.#watchers.keys()];
    const seen = await squeue(ids, this.#env);
    for (const id of ids) {
      const w = this.#watchers.get(id);
      if (w === undefined) continue;
      const listed = seen.get(id);
      // Listed as final, or no longer listed: ask for its final record before calling it ended.
      const job = listed !== undefined && !isFinal(listed.state) ? listed : ((await finalJob(id, this.#env)) ?? listed);
      if (job !== undefined && !isFinal(job.state)) {
        const sig = `${job.state}|${job.reason}|${job.node}`;
        if (this.#last.get(id) !== sig) changed = true;
        this.#last.set(id, sig);
        w.update(job);
        continue;
      }
      changed = true;
      this.unwatch(id);
      w.end(job);
    }
    return changed;
  }
}

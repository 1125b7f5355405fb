/**
 * The Slurm backend: one attempt = one batch job (`sbatch --parsable`, job name `pipe:<pipeline>:<instance>`,
 * output appended to the attempt's log). `attach` follows a job by id, so a job submitted by a runner that died
 * is waited for, never submitted twice. Progress comes from the `::pipe::` lines the stage prints into the log
 * (the log sits in the shared store), read at each poll. `terminate` is scancel.
 */
import { existsSync, openSync, readFileSync, readSync, closeSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { parseMessage, type PipeMessage } from '../../../stage-api/protocol.js';
import { batchScript, exitFromLog, visibilityMarker } from './batch-script.js';
import { sbatch, scancel } from './client.js';
import { failureOf, type SlurmJob } from './job-state.js';
import { SlurmPoller } from './poller.js';
import { sbatchFlags } from './sbatch-flags.js';
import type { AttemptResult, Launch, RunningAttempt } from '../launch/types.js';

/** What the journal keeps of a submitted job, enough to attach to it again. */
export interface JobRef {
  readonly jobId: string;
  readonly log: string;
  readonly out: string;
}

function readLog(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Reads the lines appended to a log since the last call. */
class LogTail {
  #offset: number;
  #rest = '';
  constructor(readonly path: string, from: number) {
    this.#offset = from;
  }
  lines(): string[] {
    let size: number;
    try {
      size = statSync(this.path).size;
    } catch {
      return [];
    }
    if (size <= this.#offset) return [];
    const fd = openSync(this.path, 'r');
    try {
      const buf = Buffer.alloc(size - this.#offset);
      readSync(fd, buf, 0, buf.length, this.#offset);
      this.#offset = size;
      const parts = (this.#rest + buf.toString('utf8')).split('\n');
      this.#rest = parts.pop() ?? '';
      return parts;
    } finally {
      closeSync(fd);
    }
  }
}

export class SlurmBackend {
  readonly kind = 'slurm' as const;
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #poller: SlurmPoller;
  /** The last state each followed job showed (for `pipe run`'s own view). */
  readonly states = new Map<string, SlurmJob>();

  constructor(env: Readonly<Record<string, string | undefined>>) {
    this.#env = env;
    this.#poller = new SlurmPoller(env);
  }

  async start(launch: Launch): Promise<RunningAttempt> {
    const { spec } = launch;
    writeFileSync(spec.logPath, spec.header);
    const script = batchScript({
      instance: launch.instance, key: launch.key, attempt: launch.attempt, file: spec.file, args: spec.args, cwd: spec.cwd, out: launch.out, commit: launch.commit,
    });
    const flags = sbatchFlags({ ...launch.job, log: spec.logPath, cwd: spec.cwd });
    let jobId: string;
    try {
      jobId = await sbatch(flags, script, spec.env);
    } catch (error) {
      appendFileSync(spec.logPath, `# pipe: ${(error as Error).message}\n`);
      return { pid: 0, done: Promise.resolve({ exitCode: null, signal: null, timedOut: false, terminated: false, error: (error as Error).message }), terminate: () => Promise.resolve() };
    }
    appendFileSync(spec.logPath, `# pipe: submitted as Slurm job ${jobId}: sbatch ${flags.join(' ')}\n`);
    return this.attach({ jobId, log: spec.logPath, out: launch.out }, spec.onMessage);
  }

  /** Stops following jobs (detached ones stay with the cluster). */
  close(): void {
    this.#poller.close();
  }

  /** Follows job `ref.jobId` until it ends; `onMessage` gets the `::pipe::` lines it writes to its log. */
  attach(ref: JobRef, onMessage: (m: PipeMessage) => void): RunningAttempt {
    const tail = new LogTail(ref.log, 0);
    const read = (): void => {
      for (const line of tail.lines()) {
        const m = parseMessage(line);
        if (m !== undefined) onMessage(m);
      }
    };
    let terminated = false;
    const done = new Promise<AttemptResult>((resolve) => {
      this.#poller.watch(ref.jobId, {
        update: (job) => {
          this.states.set(job.id, job);
          read();
        },
        end: (found) => {
          read();
          // Slurm forgets a finished job after MinJobAge without accounting: the batch script's last log line remains.
          const logged = found === undefined ? exitFromLog(readLog(ref.log), ref.jobId) : undefined;
          const job = found ?? (logged !== undefined ? { id: ref.jobId, state: logged === 0 ? 'COMPLETED' : 'FAILED', reason: '', node: '', elapsed: '', exitCode: logged } : undefined);
          if (job !== undefined) this.states.set(job.id, job);
          let failure = job === undefined ? `Slurm no longer knows job ${ref.jobId} and its log has no exit status (it ended longer ago than MinJobAge, without accounting, or was killed)` : failureOf(job);
          if (failure !== undefined && !existsSync(visibilityMarker(ref.out))) {
            failure += `; the job never wrote ${visibilityMarker(ref.out)}: if it started, its node cannot see the store (the cache must sit on a file system the nodes share)`;
          }
          resolve({
            exitCode: job?.exitCode ?? null, signal: null, timedOut: job?.state === 'TIMEOUT', terminated,
            ...(failure !== undefined ? { failure } : {}),
          });
        },
      });
    });
    return {
      pid: 0, jobId: ref.jobId, done,
      terminate: async () => {
        terminated = true;
        await scancel([ref.jobId], this.#env).catch(() => undefined);
        this.#poller.nudge();
        await done;
      },
    };
  }
}

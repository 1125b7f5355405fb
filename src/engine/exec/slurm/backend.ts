/**
 * The Slurm backend: one attempt = one batch job (`sbatch --parsable`, job name `pipe:<pipeline>:<instance>`,
 * comment `pipe:<key>:<store>`, output appended to the attempt's log). This is where a job is submitted (`start`)
 * and re-attached (`attach`): attach follows a job by id, so a job submitted by a runner that died is waited for,
 * never submitted twice. Progress comes from the `::pipe::` lines the stage prints into the log (the log sits in
 * the shared store), read at each poll. `terminate` is scancel. Slurm grants the devices and sets the rendezvous
 * (batch-script.ts), so `place` reserves nothing.
 */
import { existsSync, openSync, readFileSync, readSync, closeSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import type { ExecutorConfig } from '../../config/types.js';
import type { Failure } from '../../log/events.js';
import { parseMessage, type PipeMessage } from '../../../stage-api/protocol.js';
import { removeTree } from '../../../util/fs.js';
import { formatDuration } from '../../../util/duration.js';
import { batchScript, exitFromLog, restartFromLog, visibilityMarker } from './batch-script.js';
import { sbatch, scancel } from './client.js';
import { commitJobScript } from './commit-job-path.js';
import { failureOf, isQueued, type SlurmJob } from './job-state.js';
import { SlurmPoller } from './poller.js';
import { jobName, sbatchFlags } from './sbatch-flags.js';
import { clearSilence, clockTime, recordSilence, silenceText } from './silence.js';
import { jobComment } from './unrecorded-jobs.js';
import type { AttemptBackend, AttemptNotice, AttemptRef, AttemptResult, Launch, Placement, RunningAttempt } from '../launch/types.js';

/** What every job of one run shares: the names it carries and the executor block it is submitted under. */
export interface SlurmSite {
  /** The pipeline's `name` (in each job's name). */
  readonly pipeline: string;
  /** The store root (in each job's comment, and where a detached job commits). */
  readonly store: string;
  readonly executor: ExecutorConfig;
}

/** Slurm grants the devices (CUDA_VISIBLE_DEVICES) and the batch script sets MASTER_ADDR/MASTER_PORT. */
const ON_SLURM: Placement = { env: {}, port: 0, text: 'on Slurm', release: () => undefined };

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

export class SlurmBackend implements AttemptBackend {
  readonly grantsDevices = true;
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #site: SlurmSite;
  readonly #poller: SlurmPoller;
  /** The last state each followed job showed (for `pipe run`'s own view). */
  readonly states = new Map<string, SlurmJob>();

  /** The silence of Slurm's that `pipe status` has been told of (its start, epoch ms). */
  #silenceRecorded: number | undefined;

  constructor(env: Readonly<Record<string, string | undefined>>, site: SlurmSite) {
    this.#env = env;
    this.#site = site;
    this.#poller = new SlurmPoller(env);
    // A runner killed during a silence left its record; this one starts from what it sees itself.
    clearSilence(site.store);
  }

  place(): Promise<Placement> {
    return Promise.resolve(ON_SLURM);
  }

  async start(launch: Launch): Promise<RunningAttempt> {
    const { spec } = launch;
    const { store } = this.#site;
    try {
      writeFileSync(spec.logPath, spec.header);
    } catch (error) {
      return notSubmitted(`cannot create its log ${spec.logPath}: ${(error as Error).message}`);
    }
    // The job-side commit (commit-job.ts), run by the batch script after a clean exit when the run is detached.
    const commit = [process.execPath, commitJobScript(), store, launch.key, launch.instance, launch.out, ...launch.outputs];
    const script = batchScript({
      instance: launch.instance, key: launch.key, attempt: launch.attempt, file: spec.file, args: spec.args, cwd: spec.cwd, out: launch.out, commit,
    });
    const flags = sbatchFlags({
      name: jobName(this.#site.pipeline, launch.instance), comment: jobComment(launch.key, store), log: spec.logPath, cwd: spec.cwd,
      resources: launch.resources, kind: launch.kind, executor: this.#site.executor, afterOk: launch.afterOk,
      ...(spec.timeoutMs !== undefined ? { timeoutMs: spec.timeoutMs } : {}),
    });
    // sbatch --export=ALL hands its environment to the job: PIPE_JOB_COMMITS=1 turns the job-side commit on.
    const env = launch.detach ? { ...spec.env, PIPE_JOB_COMMITS: '1' } : spec.env;
    let jobId: string;
    try {
      jobId = await sbatch(flags, script, env);
    } catch (error) {
      const message = (error as Error).message;
      appendFileSync(spec.logPath, `# pipe: ${message}\n`);
      return notSubmitted(message);
    }
    appendFileSync(spec.logPath, `# pipe: submitted as Slurm job ${jobId}: sbatch ${flags.join(' ')}\n`);
    return this.attach({ jobId, log: spec.logPath, out: launch.out, ...(spec.timeoutMs !== undefined ? { timeoutMs: spec.timeoutMs } : {}) }, spec.onMessage, spec.onNotice);
  }

  /** Stops following jobs (detached ones stay with the cluster). */
  close(): void {
    this.#poller.close();
    clearSilence(this.#site.store);
  }

  /**
   * Follows job `ref.jobId` until it ends; `onMessage` gets the `::pipe::` lines it writes to its log, `onNotice`
   * a requeue of the job and Slurm's silences. A silence is waited out (the job runs on without slurmctld), for
   * at most the stage's timeout when it has one.
   */
  attach(ref: AttemptRef, onMessage: (m: PipeMessage) => void, onNotice: (n: AttemptNotice) => void): RunningAttempt {
    const tail = new LogTail(ref.log, 0);
    const requeues = new RequeueCount(ref.jobId, onNotice);
    const read = (): void => {
      for (const line of tail.lines()) {
        const m = parseMessage(line);
        if (m !== undefined) onMessage(m);
        else requeues.fromLog(line);
      }
      requeues.caughtUp();
    };
    let terminated = false;
    let toldSilence: number | undefined;
    let settle: (r: AttemptResult) => void = () => undefined;
    const done = new Promise<AttemptResult>((resolve) => {
      settle = resolve;
    });
    /** Stops following the job without Slurm's word on it (Slurm silent past the stage's timeout, or at a cancel). */
    const giveUp = (message: string): void => {
      this.#poller.unwatch(ref.jobId);
      removeTree(visibilityMarker(ref.out));
      settle({ exitCode: null, signal: null, terminated, failure: { reason: 'cluster-job', jobId: ref.jobId, message } });
    };
    this.#poller.watch(ref.jobId, {
      update: (job) => {
        this.states.set(job.id, job);
        read();
        requeues.fromState(job.state);
      },
      end: (found) => {
        read();
        // Slurm forgets a finished job after MinJobAge without accounting: the batch script's last log line remains.
        const logged = found === undefined ? exitFromLog(readLog(ref.log), ref.jobId) : undefined;
        const job = found ?? (logged !== undefined ? { id: ref.jobId, state: logged === 0 ? 'COMPLETED' : 'FAILED', reason: '', node: '', elapsed: '', exitCode: logged } : undefined);
        if (job !== undefined) this.states.set(job.id, job);
        const failure = jobFailure(ref, job);
        // The marker has told what it could; the staging folder is committed or removed next.
        removeTree(visibilityMarker(ref.out));
        settle({ exitCode: job?.exitCode ?? null, signal: null, terminated, ...(failure !== undefined ? { failure } : {}) });
      },
      unanswered: (sinceMs, error) => {
        // The log sits on the shared store, not with Slurm: progress still shows while slurmctld is away.
        read();
        const since = new Date(sinceMs).toISOString();
        if (this.#silenceRecorded !== sinceMs) {
          this.#silenceRecorded = sinceMs;
          recordSilence(this.#site.store, new Date(sinceMs), error);
        }
        if (toldSilence !== sinceMs) onNotice({ kind: 'backend', message: `${silenceText(since, error)}: polling on; a job is never taken for ended while Slurm is silent` });
        toldSilence = sinceMs;
        const silentMs = Date.now() - sinceMs;
        if (ref.timeoutMs !== undefined && silentMs > ref.timeoutMs) {
          giveUp(`Slurm has not answered for ${formatDuration(silentMs)} (since ${clockTime(since)}: ${error}), longer than the stage's timeout ${formatDuration(ref.timeoutMs)}: pipe stopped waiting for Slurm job ${ref.jobId}, which may still run (scancel ${ref.jobId} once Slurm answers)`);
        }
      },
      answered: (sinceMs, nowMs) => {
        if (this.#silenceRecorded === sinceMs) {
          this.#silenceRecorded = undefined;
          clearSilence(this.#site.store);
        }
        toldSilence = undefined;
        onNotice({ kind: 'backend', message: `Slurm answers again (slurmctld was silent since ${clockTime(new Date(sinceMs).toISOString())}, for ${formatDuration(nowMs - sinceMs)})` });
      },
    });
    return {
      pid: 0, jobId: ref.jobId, jobLabel: `Slurm job ${ref.jobId}`, done,
      terminate: async () => {
        terminated = true;
        try {
          await scancel([ref.jobId], this.#env);
        } catch (error) {
          // Waiting for an answer could take as long as the outage: stop following the job, say it may run on.
          giveUp(`could not cancel Slurm job ${ref.jobId} (${(error as Error).message}): it may still run; scancel ${ref.jobId} once Slurm answers`);
        }
        this.#poller.nudge();
        await done;
      },
    };
  }
}

/** An attempt that was never submitted, for the reason given. */
function notSubmitted(message: string): RunningAttempt {
  const refused: AttemptResult = { exitCode: null, signal: null, terminated: false, failure: { reason: 'spawn-error', message } };
  return { pid: 0, done: Promise.resolve(refused), terminate: () => Promise.resolve() };
}

/**
 * The requeues of one followed job, told once each: seen as a job that ran and is queued again (squeue), or, when
 * a poll missed that, as the restart line its batch script logs (batch-script.ts). Restart lines already in the
 * log when pipe attaches (an earlier runner told of them) are counted, not told again.
 */
class RequeueCount {
  #restarts = 0;
  #ran = false;
  #attaching = true;
  constructor(readonly jobId: string, readonly onNotice: (n: AttemptNotice) => void) {}

  fromState(state: string): void {
    if (state === 'RUNNING') this.#ran = true;
    else if (this.#ran && isQueued(state)) {
      this.#ran = false;
      this.#tell(this.#restarts + 1, `Slurm job ${this.jobId} was requeued (${state}): it runs again under its id, from an empty staging folder, resuming from its workspace`);
    }
  }

  fromLog(line: string): void {
    const n = restartFromLog(line, this.jobId);
    if (n === undefined || n <= this.#restarts) return;
    if (this.#attaching) this.#restarts = n;
    else this.#tell(n, `Slurm job ${this.jobId} was requeued and restarted (restart ${n}), resuming from its workspace`);
  }

  /** The log read at attach time is behind: later lines are news. */
  caughtUp(): void {
    this.#attaching = false;
  }

  #tell(restart: number, message: string): void {
    this.#restarts = restart;
    this.onNotice({ kind: 'requeued', jobId: this.jobId, restart, message });
  }
}

/** Why a followed job's attempt failed (undefined when it succeeded): Slurm's state, in words, with what to change. */
function jobFailure(ref: AttemptRef, job: SlurmJob | undefined): Failure | undefined {
  let message = job === undefined ? `Slurm no longer knows job ${ref.jobId} and its log has no exit status (it ended longer ago than MinJobAge, without accounting, or was killed)` : failureOf(job);
  if (message === undefined) return undefined;
  if (!existsSync(visibilityMarker(ref.out))) {
    message += `; the job never wrote ${visibilityMarker(ref.out)}: if it started, its node cannot see the store (the cache must sit on a file system the nodes share)`;
  }
  return {
    reason: 'cluster-job', jobId: ref.jobId, message,
    ...(job !== undefined ? { state: job.state } : {}), ...(job?.exitCode !== undefined ? { exitCode: job.exitCode } : {}),
  };
}

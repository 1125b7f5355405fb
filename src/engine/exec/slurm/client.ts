/**
 * The Slurm commands pipe calls, through execa: sbatch --parsable, one squeue per poll for all jobs,
 * sacct when accounting answers (else scontrol show job, which keeps a finished job for MinJobAge), scancel.
 * Parsers take the `|`-separated formats requested here, never the human tables.
 */
import { execa } from 'execa';
import { baseState, isFinal, type SlurmJob } from './job-state.js';

export class SlurmCommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SlurmCommandError';
  }
}

/**
 * Slurm gave no answer about the jobs asked for (slurmctld down, restarting or too busy: squeue prints `Unable to
 * contact slurm controller` or `Socket timed out` after ~18 s of retries). Not an answer that a job is gone: a
 * caller asks again later.
 */
export class SlurmUnansweredError extends SlurmCommandError {
  constructor(message: string) {
    super(message);
    this.name = 'SlurmUnansweredError';
  }
}

/** squeue and scontrol exit 1 with this when none of the ids asked for is known (any longer): that is an answer. */
const UNKNOWN_JOB = /Invalid job id specified/i;

/** Throws unless `r` is Slurm's answer (success, or "no such job"). */
function answered(command: string, r: { ok: boolean; stderr: string }): void {
  if (r.ok || UNKNOWN_JOB.test(r.stderr)) return;
  throw new SlurmUnansweredError(`${command}: ${r.stderr.trim().split('\n').pop() || 'failed without a message'}`);
}

async function call(command: string, args: readonly string[], env: Readonly<Record<string, string | undefined>>, input?: string): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  const r = await execa(command, [...args], { env, extendEnv: false, reject: false, ...(input !== undefined ? { input } : { stdin: 'ignore' }), timeout: 60_000 });
  if (r.timedOut) throw new SlurmUnansweredError(`${command}: no answer within 60 s`);
  if (r.failed && r.exitCode === undefined) {
    throw new SlurmCommandError(`could not run ${command}: ${r.originalMessage ?? r.shortMessage} (is Slurm installed and SLURM_CONF set?)`);
  }
  return { ok: r.exitCode === 0, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** Submits a batch script (given on stdin); the job id. `--parsable` prints `id` or `id;cluster`. */
export async function sbatch(flags: readonly string[], script: string, env: Readonly<Record<string, string | undefined>>): Promise<string> {
  const r = await call('sbatch', ['--parsable', ...flags], env, script);
  const id = r.stdout.trim().split(';')[0] ?? '';
  if (!r.ok || !/^[0-9]+$/.test(id)) throw new SlurmCommandError(`sbatch refused the job: ${(r.stderr || r.stdout).trim()}`);
  return id;
}

const SQUEUE_FORMAT = '%i|%T|%r|%N|%M';

/** `squeue -o '%i|%T|%r|%N|%M'` lines -> jobs. */
export function parseSqueue(text: string): SlurmJob[] {
  const jobs: SlurmJob[] = [];
  for (const line of text.split('\n')) {
    const [id, state, reason, node, elapsed] = line.trim().split('|');
    if (id === undefined || state === undefined || !/^[0-9]+$/.test(id)) continue;
    jobs.push({ id, state: baseState(state), reason: reason ?? '', node: node ?? '', elapsed: elapsed ?? '' });
  }
  return jobs;
}

/**
 * One squeue call for all `ids` (finished ones still listed for MinJobAge with `-t all`); a job missing from the
 * map is one Slurm no longer lists. Throws SlurmUnansweredError when Slurm did not answer: no job is gone then.
 */
export async function squeue(ids: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<Map<string, SlurmJob>> {
  const out = new Map<string, SlurmJob>();
  if (ids.length === 0) return out;
  const r = await call('squeue', ['-h', '-t', 'all', '-j', ids.join(','), '-o', SQUEUE_FORMAT], env);
  // squeue exits 1 when none of the ids is known to it (purged): an answer, unlike a controller that is away.
  answered('squeue', r);
  for (const job of parseSqueue(r.stdout)) out.set(job.id, job);
  return out;
}

/** `scontrol -o show job ID` -> the job, or undefined when Slurm no longer knows it. */
export function parseScontrol(text: string): SlurmJob | undefined {
  const field = (name: string): string | undefined => new RegExp(`(?:^|\\s)${name}=(\\S*)`).exec(text)?.[1];
  const id = field('JobId');
  const state = field('JobState');
  if (id === undefined || state === undefined) return undefined;
  const [code, signal] = (field('ExitCode') ?? '').split(':');
  const node = field('NodeList');
  const limit = field('TimeLimit');
  return {
    id, state: baseState(state), reason: field('Reason') ?? '', node: node === '(null)' || node === undefined ? '' : node, elapsed: field('RunTime') ?? '',
    ...(code !== undefined && code !== '' ? { exitCode: Number(code) } : {}),
    ...(signal !== undefined ? { signal: Number(signal) } : {}),
    ...(limit !== undefined ? { timeLimit: limit } : {}),
  };
}

/** `sacct -n -P -X -o JobID,State,ExitCode,NodeList,Elapsed,Timelimit` -> the job. */
export function parseSacct(text: string, id: string): SlurmJob | undefined {
  for (const line of text.split('\n')) {
    const [jobId, state, exit, node, elapsed, limit] = line.trim().split('|');
    if (jobId !== id || state === undefined) continue;
    const [code, signal] = (exit ?? '').split(':');
    return {
      id, state: baseState(state), reason: '', node: node === 'None assigned' ? '' : (node ?? ''), elapsed: elapsed ?? '',
      ...(code ? { exitCode: Number(code) } : {}), ...(signal ? { signal: Number(signal) } : {}), ...(limit ? { timeLimit: limit } : {}),
    };
  }
  return undefined;
}

/**
 * The record of a job squeue listed as final or no longer lists: sacct's when accounting has it as final, else
 * scontrol's (which may still be live: squeue and the controller can disagree for a moment); undefined when the
 * controller no longer knows the job. Throws SlurmUnansweredError when the controller did not answer.
 */
export async function finalJob(id: string, env: Readonly<Record<string, string | undefined>>): Promise<SlurmJob | undefined> {
  const acct = await call('sacct', ['-n', '-P', '-X', '-j', id, '-o', 'JobID,State,ExitCode,NodeList,Elapsed,Timelimit'], env).catch(() => undefined);
  const fromAcct = acct?.ok ? parseSacct(acct.stdout, id) : undefined;
  // Accounting lags and outlives the controller's view: only a final state there is the end.
  if (fromAcct !== undefined && isFinal(fromAcct.state)) return fromAcct;
  const r = await call('scontrol', ['-o', 'show', 'job', id], env);
  answered('scontrol', r);
  return r.ok ? parseScontrol(r.stdout) : undefined;
}

/** What a Slurm client prints when the controller is away (as opposed to refusing or not knowing a job). */
const NO_CONTROLLER = /Unable to contact slurm controller|Socket timed out|connect failure|Connection refused|Communication connection failure/i;

/** Cancels jobs; one that already ended is no error. Throws SlurmUnansweredError when the controller is away. */
export async function scancel(ids: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<void> {
  if (ids.length === 0) return;
  const r = await call('scancel', [...ids], env);
  if (!r.ok && NO_CONTROLLER.test(r.stderr)) throw new SlurmUnansweredError(`scancel: ${r.stderr.trim().split('\n').pop() ?? ''}`);
}

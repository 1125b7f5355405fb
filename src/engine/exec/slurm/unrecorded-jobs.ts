/**
 * The one gap in "never two live jobs for one key": a runner killed between sbatch's answer and the journal
 * record of the job id leaves a job nobody knows. Every job carries its key and store in its comment
 * (`pipe:<key>:<store>`), so a run on the Slurm executor asks squeue once, at start, for its user's live jobs and
 * cancels those of its store and keys that the journal does not name; the key is then submitted (or attached) as
 * usual. Another store's jobs (a second clone running the same pipeline) are never touched.
 */
import { execa } from 'execa';
import { isFinal } from './job-state.js';

/** The comment sbatch gives each job. */
export function jobComment(key: string, store: string): string {
  return `pipe:${key}:${store}`;
}

export interface UnrecordedJob {
  readonly jobId: string;
  readonly key: string;
}

/** `squeue -o '%i|%T|%k'` lines -> live jobs of `store` and `keys` whose ids are not in `known`. */
export function unrecordedJobs(squeueText: string, store: string, keys: ReadonlySet<string>, known: ReadonlySet<string>): UnrecordedJob[] {
  const out: UnrecordedJob[] = [];
  for (const line of squeueText.split('\n')) {
    const [id, state, ...rest] = line.trim().split('|');
    const m = /^pipe:([0-9a-f]{64}):(.*)$/.exec(rest.join('|'));
    if (id === undefined || state === undefined || m === null) continue;
    const [, key = '', jobStore] = m;
    if (jobStore === store && keys.has(key) && !known.has(id) && !isFinal(state)) out.push({ jobId: id, key });
  }
  return out;
}

/** Cancels the live jobs of `keys` that the journal does not know; the cancelled ones. */
export async function cancelUnrecordedJobs(store: string, keys: ReadonlySet<string>, known: ReadonlySet<string>, env: Readonly<Record<string, string | undefined>>): Promise<UnrecordedJob[]> {
  const r = await execa('squeue', ['-h', '--me', '-o', '%i|%T|%k'], { env, extendEnv: false, reject: false, stdin: 'ignore', timeout: 60_000 });
  if (r.exitCode !== 0) return [];
  const stray = unrecordedJobs(String(r.stdout), store, keys, known);
  if (stray.length > 0) await execa('scancel', stray.map((j) => j.jobId), { env, extendEnv: false, reject: false, stdin: 'ignore', timeout: 60_000 });
  return stray;
}

/**
 * The Slurm executor against a real slurmctld/slurmd on this machine (scripts/dev-slurm.sh, one cluster for
 * this file), with shell stages that sleep:
 *   - a pipeline on `executor: slurm` gives the same keys and outputs as a local run, one job per instance;
 *   - kill -9 of pipe while 2 jobs run -> `pipe resume` re-attaches (same job ids, no duplicate in squeue,
 *     outputs committed once);
 *   - `--detach` -> `pipe status` shows Slurm's view -> `pipe gc` keeps the jobs' staging folders ->
 *     `pipe resume` completes the run; a detached job that failed meanwhile is named by status and retried;
 *   - a live job of a key that the journal does not know (pipe killed between sbatch and the journal) is cancelled;
 *   - Ctrl-C cancels the jobs (none left in squeue);
 *   - a job cancelled from outside is reported CANCELLED, one past its time limit TIMEOUT, with the log path;
 *   - a requeued job (what preemption with requeue does) restarts under its id from an empty staging folder.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt } from '../../../helpers/build.js';
import { collect, jsonLines, outcomes, Rig, waitFor, type CliResult } from '../../../helpers/rig.js';
import { slurmAvailable, startSlurm, type SlurmCluster } from '../../../helpers/slurm.js';

const pipeline = (sleep: number, extra = ''): string => `name: sl
executor: {kind: slurm}
stages:
  prep:
    run: echo prep >> calls.log; echo prepared > \${out}/prep.txt
    outputs: [prep.txt]
  work:
    run: echo "work \${matrix.i}" >> calls.log; sleep ${sleep}; cat \${stages.prep.out}/prep.txt > \${out}/w.txt; echo \${matrix.i} >> \${out}/w.txt
    needs: [prep]
    matrix: {i: [1, 2]}${extra}
  report:
    run: for d in \${stages.work.out}; do cat "$d/w.txt"; done > \${out}/r.txt
    needs: [work]
`;

interface StatusJson { stages: { stage: string; state: string; reason: string | null; job_id?: string; slurm_state?: string | null; node?: string | null; log: string | null }[] }

function objectContents(rig: Rig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of rig.objects()) {
    for (const f of readdirSync(rig.path('cache', 'objects', key))) out[`${key}/${f}`] = readFileSync(rig.path('cache', 'objects', key, f), 'utf8');
  }
  return out;
}

/** Job ids the journal recorded per instance (in order). */
function journalJobs(rig: Rig): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const line of rig.read('cache/journal.jsonl').split('\n')) {
    if (line === '') continue;
    const r = JSON.parse(line) as { t: string; stage: string; jobId?: string };
    if (r.t === 'instance-start' && r.jobId !== undefined) (out[r.stage] ??= []).push(r.jobId);
  }
  return out;
}

describe.runIf(slurmAvailable())('Slurm executor with shell stages (a real one-node cluster)', () => {
  let cluster: SlurmCluster;
  const rigs: Rig[] = [];
  const newRig = (yaml: string): Rig => {
    const rig = new Rig();
    rig.write({ 'p.yaml': yaml });
    rigs.push(rig);
    return rig;
  };
  /** `id|state|name` of the cluster's jobs that squeue still lists as live. */
  const liveJobs = (): string[] => cluster.client('squeue', ['-h', '-o', '%i|%T|%j']).split('\n').filter((l) => l !== '');
  const pipe = (rig: Rig, args: string[]): Promise<CliResult> => rig.run(args, cluster.env);
  const status = async (rig: Rig): Promise<StatusJson> => JSON.parse((await pipe(rig, ['status', 'p.yaml', '--json'])).stdout) as StatusJson;
  // A job past its time limit (1 minute, Slurm's smallest) takes a minute or more: it runs beside the other tests.
  let timeoutRig: Rig;
  let timeoutRun: Promise<CliResult>;

  beforeAll(async () => {
    await ensureBuilt();
    cluster = startSlurm();
    timeoutRig = newRig(`name: slow\nexecutor: {kind: slurm}\nstages:\n  slow:\n    run: sleep 300\n    resources: {time: 1}\n`);
    timeoutRun = pipe(timeoutRig, ['run', 'p.yaml']);
  });
  afterAll(() => {
    cluster?.stop();
    for (const r of rigs) r.cleanup();
  });

  test('one job per instance, with the same keys and outputs as a local run', async () => {
    const rig = newRig(pipeline(1));
    const local = newRig(pipeline(1));
    const r = await pipe(rig, ['run', 'p.yaml', '--json']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(outcomes(r.stdout)).toEqual({ prep: 'ran', 'work[i=1]': 'ran', 'work[i=2]': 'ran', report: 'ran' });
    const jobs = journalJobs(rig);
    expect(Object.keys(jobs).sort()).toEqual(['prep', 'report', 'work[i=1]', 'work[i=2]']);
    expect(new Set(Object.values(jobs).flat()).size).toBe(4);
    const log = readFileSync(rig.path('cache', 'logs', readdirSync(rig.path('cache', 'logs')).find((f) => f.startsWith('work_i=1_')) ?? ''), 'utf8');
    expect(log).toContain('--job-name=pipe:sl:work[i=1]');
    expect(log).toMatch(/# pipe: slurm job \d+ on \S+, rendezvous/);
    {
      // Locally, elsewhere: the same keys and bytes.
      const l = await pipe(local, ['run', 'p.yaml', '--executor', 'local']);
      expect(l.code, l.stderr).toBe(0);
      expect(objectContents(rig)).toEqual(objectContents(local));
    }
    {
      // Switching the executor is execution-only: nothing reruns.
      const again = await pipe(rig, ['run', 'p.yaml', '--executor', 'local', '--json']);
      expect(Object.values(outcomes(again.stdout))).toEqual(['cached', 'cached', 'cached', 'cached']);
    }
  });

  test('kill -9 of pipe while 2 jobs run: resume re-attaches to the same jobs and commits once', async () => {
    const rig = newRig(pipeline(8));
    const child = rig.spawn(['run', 'p.yaml'], cluster.env);
    const done = collect(child);
    await waitFor(() => liveJobs().filter((l) => l.includes('|RUNNING|pipe:sl:work')).length === 2, 30_000, 'two running work jobs');
    child.kill('SIGKILL');
    await done;
    const before = journalJobs(rig);
    {
      // The jobs outlive pipe; status shows them running on the node.
      expect(liveJobs().filter((l) => l.includes('pipe:sl:work'))).toHaveLength(2);
      const st = await status(rig);
      const work = st.stages.filter((s) => s.stage.startsWith('work'));
      expect(work.map((s) => [s.state, s.slurm_state])).toEqual([['running', 'RUNNING'], ['running', 'RUNNING']]);
      expect(work.map((s) => s.job_id)).toEqual([before['work[i=1]']?.[0], before['work[i=2]']?.[0]]);
    }
    const r = await pipe(rig, ['resume', 'p.yaml', '--json']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(outcomes(r.stdout)).toEqual({ prep: 'cached', 'work[i=1]': 'ran', 'work[i=2]': 'ran', report: 'ran' });
    const after = journalJobs(rig);
    // Re-attached: the resumed run recorded the same job ids again, and submitted only the report.
    expect(after['work[i=1]']).toEqual([before['work[i=1]']?.[0], before['work[i=1]']?.[0]]);
    expect(after['work[i=2]']).toEqual([before['work[i=2]']?.[0], before['work[i=2]']?.[0]]);
    expect(rig.calls().sort()).toEqual(['prep', 'work 1', 'work 2']);
    expect(rig.objects()).toHaveLength(4);
    expect(readdirSync(rig.path('cache', 'tmp'))).toEqual([]);
    expect(liveJobs().filter((l) => l.includes('pipe:sl:'))).toEqual([]);
  });

  test('--detach submits everything with afterok dependencies; status shows Slurm; resume finishes', async () => {
    const rig = newRig(pipeline(4));
    const d = await pipe(rig, ['run', 'p.yaml', '--detach']);
    expect(d.code, d.stderr + d.stdout).toBe(0);
    expect(d.ms).toBeLessThan(4000);
    expect(d.stdout).toMatch(/4 instance\(s\) left running as Slurm jobs/);
    {
      const st = await status(rig);
      const by = Object.fromEntries(st.stages.map((s) => [s.stage, s]));
      expect(['queued', 'running', 'done']).toContain(by['prep']?.state);
      expect(by['report']?.state).toBe('queued');
      expect(by['report']?.slurm_state).toBe('PENDING');
      const text = (await pipe(rig, ['status', 'p.yaml'])).stdout;
      expect(text).toMatch(/report\s+queued\s+\S+\s+\(job \d+: Dependency\)/);
      // The run that submitted them exited 0, but it is not finished while its jobs are open.
      expect(text.split('\n')[1]).toMatch(/^run \S+ \S+ \(submitted: [1-4] Slurm job\(s\) open\) with no overrides$/);
    }
    {
      // gc while the jobs are away leaves their staging folders alone.
      const gc = await pipe(rig, ['gc', 'p.yaml']);
      expect(gc.code, gc.stderr).toBe(0);
    }
    const r = await pipe(rig, ['resume', 'p.yaml', '--json']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(Object.values(outcomes(r.stdout)).every((o) => o === 'ran' || o === 'cached')).toBe(true);
    expect(rig.read('cache/objects/' + rig.objects().find((k) => rig.exists(`cache/objects/${k}/r.txt`)) + '/r.txt')).toBe('prepared\n1\nprepared\n2\n');
    expect(rig.calls().sort()).toEqual(['prep', 'work 1', 'work 2']);
    // One job per instance in all: nothing was submitted twice.
    expect(Object.values(journalJobs(rig)).map((ids) => new Set(ids).size)).toEqual([1, 1, 1, 1]);
  });

  test('status says when a detached job failed while pipe was away, and resume retries it', async () => {
    const rig = newRig(`name: away\nexecutor: {kind: slurm}\nstages:\n  flaky:\n    run: echo try >> calls.log; test -f second || { touch second; exit 3; }; echo ok > \${out}/ok.txt\n    retry: 1\n`);
    const d = await pipe(rig, ['run', 'p.yaml', '--detach']);
    expect(d.code, d.stderr).toBe(0);
    await waitFor(() => !liveJobs().some((l) => l.includes('pipe:away:')), 30_000, 'the job to end');
    const st = await status(rig);
    const id = journalJobs(rig)['flaky']?.[0] ?? '';
    expect(st.stages[0]).toMatchObject({ state: 'interrupted', job_id: id, reason: `Slurm job ${id} ended FAILED while pipe was away; pipe resume retries it (per retry:)` });
    const r = await pipe(rig, ['resume', 'p.yaml', '--json']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(outcomes(r.stdout)).toEqual({ flaky: 'ran' });
    expect(rig.calls()).toEqual(['try', 'try']);
  });

  test('a job of a key that the journal does not know (pipe killed right after sbatch) is cancelled, not doubled', async () => {
    const rig = newRig(pipeline(1));
    const st = JSON.parse((await pipe(rig, ['status', 'p.yaml', '--json'])).stdout) as { store: string; stages: { stage: string; key: string }[] };
    const key = st.stages.find((s) => s.stage === 'prep')?.key ?? '';
    const stray = cluster.client('sbatch', ['--parsable', `--comment=pipe:${key}:${st.store}`, '--job-name=pipe:sl:prep', '--output=/dev/null', '--wrap', 'sleep 60']).trim();
    const r = await pipe(rig, ['run', 'p.yaml']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain(`cancelled Slurm job ${stray} (key ${key.slice(0, 12)}): a runner that died submitted it without recording it`);
    expect(liveJobs().filter((l) => l.startsWith(`${stray}|`))).toEqual([]);
    expect(journalJobs(rig)['prep']).not.toContain(stray);
  });

  test('Ctrl-C cancels the run\'s jobs', async () => {
    const rig = newRig(pipeline(30));
    const child = rig.spawn(['run', 'p.yaml'], cluster.env);
    const done = collect(child);
    await waitFor(() => liveJobs().filter((l) => l.includes('|RUNNING|pipe:sl:work')).length === 2, 30_000, 'two running work jobs');
    child.kill('SIGINT');
    const r = await done;
    expect(r.code, r.stderr).toBe(130);
    expect(liveJobs().filter((l) => l.includes('pipe:sl:'))).toEqual([]);
  });

  test('a job cancelled from outside is reported CANCELLED with its log', async () => {
    const rig = newRig(pipeline(30));
    const child = rig.spawn(['run', 'p.yaml', '--keep-going'], cluster.env);
    const done = collect(child);
    await waitFor(() => liveJobs().some((l) => l.includes('|RUNNING|pipe:sl:work[i=1]')), 30_000, 'work[i=1] running');
    const id = liveJobs().find((l) => l.includes('pipe:sl:work[i=1]'))?.split('|')[0] ?? '';
    const other = liveJobs().find((l) => l.includes('pipe:sl:work[i=2]'))?.split('|')[0] ?? '';
    cluster.client('scancel', [id, other]);
    const r = await done;
    expect(r.code).toBe(1);
    const st = await status(rig);
    const w = st.stages.find((s) => s.stage === 'work[i=1]');
    expect(w?.state).toBe('failed');
    expect(w?.reason).toContain(`Slurm job ${id} CANCELLED`);
    expect(w?.reason).toContain(`log: ${w?.log}`);
  });

  test('a requeued job (as after preemption) runs again under its id, from an empty staging folder', async () => {
    const rig = newRig(`name: rq\nexecutor: {kind: slurm}\nstages:\n  once:\n    run: echo "start \${PIPE_RESUME:-0}" >> calls.log; echo line >> \${out}/o.txt; sleep 6\n`);
    const child = rig.spawn(['run', 'p.yaml', '--json'], cluster.env);
    const done = collect(child);
    await waitFor(() => rig.calls().length === 1 && liveJobs().some((l) => l.includes('|RUNNING|pipe:rq:once')), 30_000, 'the job running');
    const id = liveJobs().find((l) => l.includes('pipe:rq:once'))?.split('|')[0] ?? '';
    cluster.client('scontrol', ['requeue', id]);
    // Slurm holds a requeued job for 2 minutes (BeginTime); let it start again at once.
    await waitFor(() => liveJobs().some((l) => l.startsWith(`${id}|PENDING|`)), 30_000, 'the requeued job pending');
    cluster.client('scontrol', ['update', `JobId=${id}`, 'StartTime=now']);
    const r = await done;
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(outcomes(r.stdout)).toEqual({ once: 'ran' });
    expect(rig.calls()).toEqual(['start 0', 'start 1']);
    // Told, once: an event (and a line in the human view).
    expect(jsonLines(r.stdout).filter((e) => e['event'] === 'stage-requeued')).toEqual([
      { event: 'stage-requeued', stage: 'once', key: expect.any(String), jobId: id, restart: 1, message: expect.stringContaining(`Slurm job ${id} was requeued`) },
    ]);
    expect(Object.values(journalJobs(rig))).toEqual([[id]]);
    expect(rig.read(`cache/objects/${rig.objects()[0] ?? ''}/o.txt`)).toBe('line\n');
  });

  test('the excerpt under a FAILED job is what the stage printed, without its ::pipe:: lines', async () => {
    const rig = newRig(`name: ex
executor: {kind: slurm}
stages:
  noisy:
    run: |
      echo "loading cases"
      for i in $(seq 1 30); do echo "::pipe:: {\\"type\\":\\"progress\\",\\"done\\":$i,\\"total\\":30,\\"unit\\":\\"case\\"}"; done
      echo '::pipe:: {"type":"log","message":"case 30 has no label"}'
      echo "out of cases" >&2
      exit 4
`);
    const r = await pipe(rig, ['run', 'p.yaml']);
    expect(r.code, r.stderr + r.stdout).toBe(1);
    const excerpt = r.stdout.split('\n').filter((l) => l.startsWith('         | ')).map((l) => l.slice('         | '.length));
    expect(excerpt.filter((l) => l.startsWith('::pipe::'))).toEqual([]);
    expect(excerpt).toEqual(expect.arrayContaining(['loading cases', 'case 30 has no label', 'out of cases']));
  });

  test('a job past its time limit is reported TIMEOUT', { timeout: 180_000 }, async () => {
    const r = await timeoutRun;
    expect(r.code, r.stderr + r.stdout).toBe(1);
    expect(r.stdout).toMatch(/Slurm job \d+ TIMEOUT: reached its time limit 00:01:00 \(raise resources.time\)/);
    const st = await status(timeoutRig);
    expect(st.stages[0]?.reason).toMatch(/TIMEOUT.*log: \S+slow\.[0-9a-f]{12}\.[\w-]+\.1\.log/);
  });
});

/**
 * A Slurm controller outage while jobs run (a real one-node cluster of its own: slurmctld is stopped for 60 s,
 * slurmd and the jobs run on, then slurmctld comes back with its saved state). squeue failing is no answer,
 * not "the job is gone": pipe says slurmctld is not answering (in its output and in `pipe status`), polls on,
 * and the run finishes with each job run once, the one that ended during the outage included.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt } from '../../../helpers/build.js';
import { collect, outcomes, Rig, waitFor } from '../../../helpers/rig.js';
import { slurmAvailable, startSlurm, type SlurmCluster } from '../../../helpers/slurm.js';

const OUTAGE_MS = 60_000;

const PIPELINE = `name: outage
executor: {kind: slurm}
stages:
  work:
    run: echo "work \${matrix.s}" >> calls.log; sleep \${matrix.s}; echo \${matrix.s} > \${out}/w.txt
    matrix: {s: [2, 66]}
    outputs: [w.txt]
  after:
    run: echo after >> calls.log; echo ok > \${out}/a.txt
    needs: [work]
`;

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

describe.runIf(slurmAvailable())('Slurm controller outage (a real one-node cluster)', () => {
  let cluster: SlurmCluster;
  let controllerDown = false;
  let child: ChildProcess | undefined;
  const rig = new Rig();
  beforeAll(async () => {
    await ensureBuilt();
    cluster = startSlurm();
  });
  afterAll(() => {
    // After a failure midway: no pipe left polling, and a controller to cancel the jobs with.
    if (child?.exitCode === null) child.kill('SIGKILL');
    if (controllerDown) cluster.startController();
    cluster?.stop();
    rig.cleanup();
  });

  test('slurmctld down for 60 s while jobs run: pipe polls on, the run finishes, each job ran once', { timeout: 240_000 }, async () => {
    rig.write({ 'p.yaml': PIPELINE });
    child = rig.spawn(['run', 'p.yaml', '--json'], cluster.env);
    const done = collect(child);
    const running = (): number => cluster.client('squeue', ['-h', '-o', '%T|%j']).split('\n').filter((l) => l.startsWith('RUNNING|pipe:outage:work')).length;
    await waitFor(() => running() === 2, 30_000, 'both work jobs running');
    cluster.stopController();
    controllerDown = true;
    const stoppedAt = Date.now();
    {
      // During the outage, status says why it cannot show Slurm's view (its own squeue fails too).
      const st = JSON.parse((await rig.run(['status', 'p.yaml', '--json'], cluster.env)).stdout) as { stages: { stage: string; state: string; reason: string | null }[] };
      const long = st.stages.find((s) => s.stage === 'work[s=66]');
      expect.soft(long?.state).toBe('running');
      expect.soft(long?.reason ?? '').toMatch(/^slurmctld not answering since \d\d:\d\d:\d\d/);
    }
    await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - stoppedAt))));
    cluster.startController();
    controllerDown = false;
    const r = await done;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(outcomes(r.stdout)).toEqual({ 'work[s=2]': 'ran', 'work[s=66]': 'ran', after: 'ran' });
    expect(r.stdout).toMatch(/slurmctld not answering since \d\d:\d\d:\d\d/);
    expect(r.stdout).toMatch(/Slurm answers again/);
    // Each job ran once: one invocation each, one job id each, nothing left in the queue.
    expect(rig.calls().sort()).toEqual(['after', 'work 2', 'work 66']);
    expect(Object.values(journalJobs(rig)).map((ids) => ids.length)).toEqual([1, 1, 1]);
    expect(cluster.client('squeue', ['-h', '-o', '%i'])).toBe('');
  });
});

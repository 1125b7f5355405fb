/**
 * The Slurm executor's pure parts, as tables: resources -> sbatch flags, squeue/scontrol/sacct parsing,
 * what a final state means, which journalled jobs are still open, squeue's elapsed times; and that the
 * executor block and the Slurm resources are execution-only (no key changes). No cluster needed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { StageKey } from '../../../../src/engine/cache/brands.js';
import type { JournalRecord } from '../../../../src/engine/cache/journal.js';
import { loadPipeline } from '../../../../src/engine/config/load-pipeline.js';
import { DigestMemo } from '../../../../src/engine/cache/digests.js';
import { resolveKeys } from '../../../../src/engine/resolve/keys.js';
import { exitFromLog, restartFromLog } from '../../../../src/engine/exec/slurm/batch-script.js';
import { excerptLines } from '../../../../src/engine/log/log-excerpt.js';
import { parseSacct, parseScontrol, parseSqueue } from '../../../../src/engine/exec/slurm/client.js';
import { failureOf } from '../../../../src/engine/exec/slurm/job-state.js';
import { openJobs } from '../../../../src/engine/exec/slurm/open-jobs.js';
import { sbatchFlags, type JobRequest } from '../../../../src/engine/exec/slurm/sbatch-flags.js';
import { elapsedMs } from '../../../../src/engine/exec/slurm/status-view.js';
import { jobComment, unrecordedJobs } from '../../../../src/engine/exec/slurm/unrecorded-jobs.js';

const base: JobRequest = {
  name: 'pipe:demo:train[fold=0]', comment: 'pipe:k:/s', log: '/s/logs/t.log', cwd: '/p', kind: 'cpu',
  resources: { devices: 0, keyed: false }, executor: { kind: 'slurm', sbatch: [] },
};
const common = ['--job-name=pipe:demo:train[fold=0]', '--comment=pipe:k:/s', '--output=/s/logs/t.log', '--error=/s/logs/t.log', '--open-mode=append', '--chdir=/p', '--export=ALL'];
const one = ['--ntasks=1', '--cpus-per-task=1'];

describe('resources -> sbatch flags', () => {
  test.each<[string, Partial<JobRequest>, string[]]>([
    ['no devices: one task of one CPU', {}, one],
    ['devices: 4, device: cuda: 4 tasks (ranks) and 4 GPUs', { kind: 'cuda', resources: { devices: 4, keyed: false } }, ['--ntasks=4', '--cpus-per-task=1', '--gres=gpu:4']],
    ['devices: 8 over nodes: 2', { kind: 'cuda', resources: { devices: 8, nodes: 2, keyed: false } }, ['--nodes=2', '--ntasks-per-node=4', '--cpus-per-task=1', '--gres=gpu:4']],
    ['devices: 2, device: cpu: 2 tasks', { resources: { devices: 2, keyed: false } }, ['--ntasks=2', '--cpus-per-task=1']],
    ['time, memory, partition per stage', { resources: { devices: 1, keyed: false, time: '48:00:00', memory: '64G', partition: 'gpu' } }, [...one, '--time=48:00:00', '--mem=64G', '--partition=gpu']],
    ['executor block and pass-through', { executor: { kind: 'slurm', partition: 'cpu', account: 'lab', qos: 'long', time: '120', constraint: 'a100', sbatch: ['--mail-type=FAIL'] } },
      [...one, '--time=120', '--partition=cpu', '--account=lab', '--qos=long', '--constraint=a100', '--mail-type=FAIL']],
    ['a stage timeout becomes the time limit (whole minutes, rounded up)', { timeoutMs: 90_000 }, [...one, '--time=2']],
    ['dependents wait for their upstream jobs', { afterOk: ['11', '12'] }, [...one, '--dependency=afterok:11:12', '--kill-on-invalid-dep=yes']],
  ])('%s', (_name, change, flags) => {
    expect(sbatchFlags({ ...base, ...change })).toEqual([...common, ...flags]);
  });
});

describe('parsing what Slurm prints', () => {
  test('squeue lines, with a pending job that has no node', () => {
    expect(parseSqueue('4711|RUNNING|None|node03|2:13:05\n4712|PENDING|Resources||0:00\nsqueue: error: x\n')).toEqual([
      { id: '4711', state: 'RUNNING', reason: 'None', node: 'node03', elapsed: '2:13:05' },
      { id: '4712', state: 'PENDING', reason: 'Resources', node: '', elapsed: '0:00' },
    ]);
  });
  test('scontrol -o show job of a timed-out job', () => {
    const text = 'JobId=7 JobName=pipe:p:a UserId=root(0) JobState=TIMEOUT Reason=TimeLimit Dependency=(null) ExitCode=0:15 RunTime=00:01:04 TimeLimit=00:01:00 NodeList=vm BatchHost=vm';
    expect(parseScontrol(text)).toEqual({ id: '7', state: 'TIMEOUT', reason: 'TimeLimit', node: 'vm', elapsed: '00:01:04', exitCode: 0, signal: 15, timeLimit: '00:01:00' });
    expect(parseScontrol('slurm_load_jobs error: Invalid job id specified')).toBeUndefined();
  });
  test('sacct -P, "CANCELLED by 0" reduced to its state', () => {
    expect(parseSacct('9|CANCELLED by 0|0:15|node1|00:00:12|01:00:00\n', '9')).toMatchObject({ id: '9', state: 'CANCELLED', exitCode: 0, signal: 15, node: 'node1' });
  });
  test('the exit status the batch script logged, the last one after a requeue', () => {
    const log = '# pipe: slurm job 12 exit 1\nrestarted\n# pipe: slurm job 12 exit 0\n# pipe: slurm job 120 exit 3\n';
    expect(exitFromLog(log, '12')).toBe(0);
    expect(exitFromLog(log, '120')).toBe(3);
    expect(exitFromLog(log, '7')).toBeUndefined();
  });
  test('the restart line a requeued job\'s batch script logs', () => {
    expect(restartFromLog('# pipe: slurm job 12 restarted (restart 2): resuming from its workspace', '12')).toBe(2);
    expect(restartFromLog('# pipe: slurm job 12 restarted (restart 2): resuming from its workspace', '1')).toBeUndefined();
    expect(restartFromLog('restarted (restart 2)', '12')).toBeUndefined();
  });
  test('a failure excerpt leaves out ::pipe:: progress and metrics lines and shows log messages as text', () => {
    const log = ['# pipe: slurm job 3 on vm', 'loading', '::pipe:: {"type":"progress","done":1,"unit":"case"}', '::pipe:: {"type":"metrics","values":{"dice":0.9}}',
      '::pipe:: {"type":"log","message":"case 2 has no label"}', '::pipe:: not json', 'Error: out of cases', ''].join('\n');
    expect(excerptLines(log)).toEqual(['# pipe: slurm job 3 on vm', 'loading', 'case 2 has no label', '::pipe:: not json', 'Error: out of cases']);
    expect(excerptLines(log, 2)).toEqual(['::pipe:: not json', 'Error: out of cases']);
  });
  test('elapsed times', () => {
    expect(elapsedMs('2:13:05')).toBe((2 * 3600 + 13 * 60 + 5) * 1000);
    expect(elapsedMs('13:05')).toBe((13 * 60 + 5) * 1000);
    expect(elapsedMs('1-02:00:00')).toBe(26 * 3600 * 1000);
  });
});

describe('final states', () => {
  const job = { id: '5', reason: '', node: 'n1', elapsed: '' };
  test.each<[string, number | undefined, string | undefined]>([
    ['COMPLETED', 0, undefined],
    ['FAILED', 2, 'Slurm job 5 FAILED (exit 2)'],
    ['TIMEOUT', 0, 'Slurm job 5 TIMEOUT: reached its time limit (raise resources.time)'],
    ['OUT_OF_MEMORY', 0, 'Slurm job 5 OUT_OF_MEMORY: exceeded its memory (raise resources.memory)'],
    ['CANCELLED', 0, 'Slurm job 5 CANCELLED (scancel from outside pipe, or by an administrator)'],
    ['NODE_FAIL', 0, 'Slurm job 5 NODE_FAIL: node n1 failed'],
    ['PREEMPTED', 0, 'Slurm job 5 PREEMPTED by a higher-priority job'],
  ])('%s', (state, exitCode, failure) => {
    expect(failureOf({ ...job, state, ...(exitCode !== undefined ? { exitCode } : {}) })).toBe(failure);
  });
});

describe('open jobs in the journal', () => {
  const start = (run: string, key: string, jobId?: string): JournalRecord => ({
    t: 'instance-start', run, time: 't', stage: 's', key: key as StageKey, attempt: 1, pid: 0, devices: [], deviceKind: 'cpu', log: 'l', resume: false,
    ...(jobId !== undefined ? { jobId, out: `/tmp/${key}` } : {}),
  });
  const end = (run: string, key: string): JournalRecord => ({ t: 'instance-end', run, time: 't', stage: 's', key: key as StageKey, outcome: 'ran' });
  test('the latest start of a key with a job id and no end after it', () => {
    const open = openJobs([
      start('r1', 'a', '1'), start('r1', 'b', '2'), end('r1', 'b'), start('r1', 'c'),
      start('r2', 'd', '4'), // a dead runner's job
      start('r1', 'e', '5'), end('r1', 'e'), start('r3', 'e', '6'), // retried in a later run
    ]);
    expect([...open.entries()].map(([k, r]) => `${k}:${r.jobId}`)).toEqual(['a:1', 'd:4', 'e:6']);
  });
});

describe('jobs nobody recorded', () => {
  test('live jobs of this store and these keys that the journal does not name', () => {
    const k1 = 'a'.repeat(64);
    const k2 = 'b'.repeat(64);
    const text = [
      `11|RUNNING|${jobComment(k1, '/s/cache')}`, // recorded: attached to, not cancelled
      `12|PENDING|${jobComment(k1, '/s/cache')}`, // a second job for k1 that the journal never saw
      `13|COMPLETED|${jobComment(k2, '/s/cache')}`, // finished: harmless
      `14|RUNNING|${jobComment(k2, '/other/cache')}`, // another store's run of the same pipeline
      `15|RUNNING|${jobComment('c'.repeat(64), '/s/cache')}`, // a key this pipeline does not have now
      '16|RUNNING|(null)',
    ].join('\n');
    expect(unrecordedJobs(text, '/s/cache', new Set([k1, k2]), new Set(['11']))).toEqual([{ jobId: '12', key: k1 }]);
  });
});

describe('execution-only', () => {
  test('the executor block and Slurm resources change no key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pipe-slurm-keys-'));
    const stages = (extra: string): string => `stages:\n  a:\n    run: echo a > \${out}/a\n    resources: {devices: 1${extra}}\n  b:\n    run: cat \${stages.a.out}/a > \${out}/b\n    needs: [a]\n`;
    writeFileSync(join(dir, 'local.yaml'), `name: k\n${stages('')}`);
    writeFileSync(join(dir, 'slurm.yaml'), `name: k\nexecutor: {kind: slurm, partition: gpu, account: lab, time: "1:00:00", sbatch: ["--mail-type=FAIL"]}\n${stages(', time: "48:00:00", memory: 64G, partition: big')}`);
    const keys = async (file: string): Promise<string[]> => {
      const p = await loadPipeline(join(dir, file), { overrides: [], env: {} });
      return (await resolveKeys(p, new DigestMemo(join(dir, 'cache')))).instances.map((i) => i.key);
    };
    const slurm = await loadPipeline(join(dir, 'slurm.yaml'), { overrides: [], env: {} });
    expect(slurm.executor).toEqual({ kind: 'slurm', partition: 'gpu', account: 'lab', time: '1:00:00', sbatch: ['--mail-type=FAIL'] });
    expect(await keys('slurm.yaml')).toEqual(await keys('local.yaml'));
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('user errors (exit 2, no stack)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pipe-slurm-usage-'));
  writeFileSync(join(dir, 'p.yaml'), 'stages:\n  a:\n    run: echo a\n');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'nodes.yaml'), 'executor: {kind: slurm}\nstages:\n  a:\n    run: echo a\n    resources: {devices: 3, nodes: 2}\n');
  const cli = async (args: string[]): Promise<{ code: number; stderr: string }> => {
    let stderr = '';
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => {
      stderr += chunk;
      return true;
    }) as typeof process.stderr.write;
    try {
      const { main } = await import('../../../../src/engine/cli/main.js');
      return { code: await main(args), stderr };
    } finally {
      process.stderr.write = write;
    }
  };
  test('--executor other than local or slurm', async () => {
    const r = await cli(['run', join(dir, 'p.yaml'), '--executor', 'pbs']);
    expect(r).toEqual({ code: 2, stderr: 'error: Expected local or slurm for --executor but received "pbs"\n' });
  });
  test('--detach without the Slurm executor', async () => {
    const r = await cli(['run', join(dir, 'p.yaml'), '--detach']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--detach needs the Slurm executor');
  });
  test('nodes that cannot share the devices evenly are refused at load time, located', async () => {
    const r = await cli(['run', join(dir, 'nodes.yaml'), '--dry-run']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('nodes.yaml:5:');
    expect(r.stderr).toContain('resources.nodes: 2 nodes need a device count that they share evenly (the ranks are spread N/nodes per node) but devices is 3');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

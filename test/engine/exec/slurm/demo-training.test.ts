/**
 * The demo pipeline (tiny: see test/e2e/demo-pipeline.ts) on a real one-node Slurm cluster, up to training:
 *   - a training fold cancelled from outside mid-run (scancel -> CANCELLED) is retried per `retry:` and
 *     resumes from its checkpoint in the shared workspace; the same keys as a local run (a local run of the
 *     same file afterwards finds everything cached);
 *   - a 2-device CPU fold (`devices: 2, device: cpu`) runs as one job of 2 tasks whose ranks srun starts
 *     (Gloo, rendezvous on the job's first node); world size 2 is in its training log.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { addonAvailable } from '../../../../src/native/addon/index.js';
import { ciDemoYaml } from '../../../e2e/demo-pipeline.js';
import { ensureBuilt } from '../../../helpers/build.js';
import { collect, outcomes, Rig, waitFor } from '../../../helpers/rig.js';
import { slurmAvailable, startSlurm, type SlurmCluster } from '../../../helpers/slurm.js';

function demoYaml(): string {
  let y = ciDemoYaml([0, 1]);
  // Long enough to be cancelled mid-run; retried once after a failure.
  y = y.replace(/epochs: 2\n/, 'epochs: 8\n');
  const trainResources = '    resources: {devices: "${params.devices}", device: "${params.device}"}\n  validate:';
  if (!y.includes(trainResources)) throw new Error('demo.yaml changed: update test/engine/exec/slurm/demo-training.test.ts');
  return y.replace(trainResources, '    resources: {devices: "${params.devices}", device: "${params.device}"}\n    retry: 1\n  validate:');
}

describe.runIf(slurmAvailable() && addonAvailable())('Slurm executor with the demo pipeline (a real one-node cluster)', () => {
  let cluster: SlurmCluster;
  const rig = new Rig();
  const env = (): Record<string, string> => ({ ...cluster.env, ...(process.env['PIPE_NATIVE_ADDON'] ? { PIPE_NATIVE_ADDON: process.env['PIPE_NATIVE_ADDON'] } : {}) });
  const logOf = (prefix: string, attempt: number): string => {
    const name = readdirSync(rig.path('cache', 'logs')).find((f) => f.startsWith(prefix) && f.endsWith(`.${attempt}.log`));
    return name === undefined ? '' : readFileSync(rig.path('cache', 'logs', name), 'utf8');
  };

  beforeAll(async () => {
    await ensureBuilt();
    cluster = startSlurm();
    rig.write({ 'pipelines/demo.yaml': demoYaml() });
  });
  afterAll(() => {
    cluster?.stop();
    rig.cleanup();
  });

  test('a fold cancelled mid-run resumes from its checkpoint on the retry; keys as a local run', { timeout: 180_000 }, async () => {
    const child = rig.spawn(['run', 'pipelines/demo.yaml', 'train[fold=0]', '--executor', 'slurm', '--json'], env());
    const done = collect(child);
    const epochsDone = (): number => Math.max(0, ...[...logOf('train_fold=0_', 1).matchAll(/"type":"progress","done":(\d+)/g)].map((m) => Number(m[1])));
    await waitFor(() => rig.exists('cache/logs') && epochsDone() >= 2, 150_000, 'train[fold=0] at epoch 2');
    const job = cluster.client('squeue', ['-h', '-o', '%i|%j']).split('\n').find((l) => l.endsWith('|pipe:demo:train[fold=0]'))?.split('|')[0];
    expect(job).toBeDefined();
    cluster.client('scancel', [job ?? '']);
    const r = await done;
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(outcomes(r.stdout)['train[fold=0]']).toBe('ran');
    expect(r.stdout).toContain(`Slurm job ${job} CANCELLED`);
    const second = logOf('train_fold=0_', 2);
    expect(second).toMatch(/resuming from latest checkpoint \S+checkpoint_latest\.pt: epoch [2-8] of 8 done/);
    {
      // The same file run locally: every instance is cached (the executor is not in any key).
      const l = await rig.run(['run', 'pipelines/demo.yaml', 'train[fold=0]', '--executor', 'local', '--json'], env());
      expect(l.code, l.stderr).toBe(0);
      expect(new Set(Object.values(outcomes(l.stdout)))).toEqual(new Set(['cached']));
    }
  });

  test('a 2-device CPU fold is one job of 2 tasks started by srun', { timeout: 150_000 }, async () => {
    const r = await rig.run(['run', 'pipelines/demo.yaml', 'train[fold=1]', '--executor', 'slurm', '--set', 'params.devices=2', '--set', 'params.epochs=2', '--json'], env());
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const log = logOf('train_fold=1_', 1);
    expect(log).toContain('--ntasks=2 --cpus-per-task=1');
    expect(log.match(/submitted as Slurm job \d+/g)).toHaveLength(1);
    const st = JSON.parse((await rig.run(['status', 'pipelines/demo.yaml', '--json', '--set', 'params.epochs=2'], env())).stdout) as { stages: { stage: string; out: string | null }[] };
    const out = st.stages.find((s) => s.stage === 'train[fold=1]')?.out ?? '';
    const trainingLog = readFileSync(`${out}/training_log.txt`, 'utf8');
    expect(trainingLog).toMatch(/devices: 2 \(0,1\): 2 ranks through c10d \(Gloo\)/);
    expect(trainingLog).toMatch(/launching 2 ranks with srun --kill-on-bad-exit=1 --label --ntasks=2 /);
    const history = JSON.parse(readFileSync(`${out}/history.json`, 'utf8')) as { worldSize?: number };
    expect(history.worldSize).toBe(2);
  });
});

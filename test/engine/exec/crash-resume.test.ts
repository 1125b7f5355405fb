/**
 * kill -9 of the runner mid-stage, then `pipe resume`: finished instances are not rerun, the
 * interrupted one restarts from its checkpoint (PIPE_RESUME + PIPE_WORK), its orphaned process is
 * ended, no partial object exists, and the outputs equal an uninterrupted run's.
 * SIGINT while a stage runs a process tree: pipe exits 130 within seconds and none of the tree survives.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt } from '../../helpers/build.js';
import { collect, outcomes, Rig, waitFor } from '../../helpers/rig.js';
import { isProcessAlive } from '../../../src/util/process-info.js';

const PIPELINE = `name: crash
stages:
  prep:
    run: node $FIXTURES/step.mjs prep prep.txt prepared
  train:
    run: node $FIXTURES/trainer.mjs "train[\${matrix.fold}]" 24 4 60
    needs: [prep]
    matrix: {fold: [0, 1, 2]}
  report:
    run: 'echo report >> calls.log; cat \${stages.train.out} 2>/dev/null; for d in \${stages.train.out}; do cat "$d/model.txt"; done > \${out}/report.txt'
    needs: [train]
`;

function objectContents(rig: Rig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of rig.objects()) {
    for (const f of readdirSync(rig.path('cache', 'objects', key))) out[`${key}/${f}`] = readFileSync(rig.path('cache', 'objects', key, f), 'utf8');
  }
  return out;
}

function checkpointEpoch(rig: Rig): number {
  const work = rig.path('cache', 'work');
  if (!existsSync(work)) return 0;
  let best = 0;
  for (const k of readdirSync(work)) {
    const f = join(work, k, 'ckpt.json');
    if (existsSync(f)) {
      try {
        best = Math.max(best, (JSON.parse(readFileSync(f, 'utf8')) as { epoch: number }).epoch);
      } catch {
        /* being written */
      }
    }
  }
  return best;
}

describe('crash and interrupt', () => {
  const rig = new Rig();
  const reference = new Rig();
  beforeAll(async () => {
    await ensureBuilt();
    rig.write({ 'p.yaml': PIPELINE });
    reference.write({ 'p.yaml': PIPELINE });
  });
  afterAll(() => {
    rig.cleanup();
    reference.cleanup();
  });

  test('kill -9 mid-stage, then resume: no rerun of finished work, restart from checkpoint, same outputs', async () => {
    {
      // Run with one job; kill -9 the runner once fold 1 has checkpointed at epoch >= 8.
      const child = rig.spawn(['run', 'p.yaml', '--jobs', '1']);
      const done = collect(child);
      await waitFor(() => rig.calls().some((l) => l.startsWith('train[1] start=0')) && checkpointEpoch(rig) >= 8, 30_000, 'fold 1 checkpoint');
      child.kill('SIGKILL');
      await done;
    }
    const orphan = Number(/pid=(\d+)/.exec(rig.calls().find((l) => l.startsWith('train[1]')) ?? '')?.[1]);
    {
      // The runner's watchdog ends the orphaned stage within seconds (poll 0.5 s + 2 s grace).
      const killedAt = Date.now();
      await waitFor(() => !isProcessAlive(orphan), 10_000, 'orphaned stage to be ended by the watchdog');
      console.log(`orphaned stage ended ${Date.now() - killedAt} ms after the runner's kill -9 was observed`);
    }
    {
      // status: prep and fold 0 done, fold 1 interrupted, fold 2 pending; nothing partial committed.
      const st = JSON.parse((await rig.run(['status', 'p.yaml', '--json'])).stdout) as { stages: { stage: string; state: string; reason: string | null }[] };
      const by = Object.fromEntries(st.stages.map((s) => [s.stage, s]));
      expect(by['prep']?.state).toBe('done');
      expect(by['train[fold=0]']?.state).toBe('done');
      expect(by['train[fold=1]']?.state).toBe('interrupted');
      expect(by['train[fold=1]']?.reason).toMatch(/^the runner died while this instance ran \(last progress: epoch \d+\/24 loss [\d.]+\)/);
      expect(by['train[fold=2]']?.state).toBe('pending');
      for (const key of rig.objects()) expect(rig.exists(`cache/objects/${key}.commit`)).toBe(true);
      expect(rig.objects()).toHaveLength(2);
    }
    {
      // resume: no manual unlock; the orphan is ended; fold 1 continues from its checkpoint.
      const r = await rig.run(['resume', 'p.yaml', '--json']);
      expect(r.code, r.stderr + r.stdout).toBe(0);
      expect(outcomes(r.stdout)).toEqual({ prep: 'cached', 'train[fold=0]': 'cached', 'train[fold=1]': 'ran', 'train[fold=2]': 'ran', report: 'ran' });
      const calls = rig.calls();
      expect(calls.filter((l) => l.startsWith('prep'))).toHaveLength(1);
      expect(calls.filter((l) => l.startsWith('train[0]'))).toHaveLength(1);
      const restarts = calls.filter((l) => l.startsWith('train[1]'));
      expect(restarts).toHaveLength(2);
      expect(Number(/start=(\d+)/.exec(restarts[1] ?? '')?.[1])).toBeGreaterThanOrEqual(8);
      expect(readdirSync(rig.path('cache', 'tmp'))).toEqual([]);
      expect(readdirSync(rig.path('cache', 'work'))).toEqual([]);
    }
    {
      // An uninterrupted run elsewhere produces the same keys and the same bytes.
      const r = await reference.run(['run', 'p.yaml']);
      expect(r.code, r.stderr).toBe(0);
      expect(objectContents(rig)).toEqual(objectContents(reference));
    }
  });

  test('if the watchdog dies with the runner, the next run ends the leftover stage before restarting it', async () => {
    rig.write({ 'long.yaml': 'stages:\n  long:\n    run: node $FIXTURES/trainer.mjs long 60 10 50\n' });
    const child = rig.spawn(['run', 'long.yaml']);
    const done = collect(child);
    await waitFor(() => rig.calls().some((l) => l.startsWith('long start=0')), 15_000, 'stage start');
    const orphan = Number(/pid=(\d+)/.exec(rig.calls().find((l) => l.startsWith('long start=0')) ?? '')?.[1]);
    const journal = rig.path('cache', 'journal.jsonl');
    const watchdog = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).split('\n').find((l) => l.includes('watchdog.js') && l.includes(journal));
    expect(watchdog, 'a watchdog runs beside the runner').toBeDefined();
    process.kill(Number(watchdog?.trim().split(/\s+/)[0]), 'SIGKILL');
    child.kill('SIGKILL');
    await done;
    await new Promise((r) => setTimeout(r, 300));
    expect(isProcessAlive(orphan)).toBe(true);
    const r = await rig.run(['run', 'long.yaml']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`ended leftover process group ${orphan} of long from a runner that died`);
    expect(isProcessAlive(orphan)).toBe(false);
    expect(rig.calls().filter((l) => l.startsWith('long'))[1]).toMatch(/^long start=\d+/);
  });

  test('SIGINT tears down a forking process tree, including a child that ignores SIGTERM', async () => {
    rig.write({
      'tree.yaml': `stages:
  tree:
    run: 'sleep 300 & echo $! >> tree.pids; sh -c "trap \\"\\" TERM; sleep 300" & echo $! >> tree.pids; echo $$ >> tree.pids; wait'
`,
    });
    const child = rig.spawn(['run', 'tree.yaml']);
    const done = collect(child);
    await waitFor(() => rig.exists('tree.pids') && rig.read('tree.pids').trim().split('\n').length === 3, 15_000, 'tree to start');
    const pids = rig.read('tree.pids').trim().split('\n').map(Number);
    await new Promise((r) => setTimeout(r, 200)); // let the grandchildren exec sleep
    const sent = Date.now();
    child.kill('SIGINT');
    const r = await done;
    expect(r.code, r.stderr).toBe(130);
    console.log(`pipe exited ${Date.now() - sent} ms after SIGINT (kill grace 2000 ms)`);
    const ps = execFileSync('ps', ['-eo', 'pid=,pgid=,args='], { encoding: 'utf8' });
    for (const pid of pids) {
      expect(isProcessAlive(pid)).toBe(false);
      expect(ps.split('\n').some((l) => l.trim().split(/\s+/)[1] === String(pids[2]))).toBe(false);
    }
    const st = JSON.parse((await rig.run(['status', 'tree.yaml', '--json'])).stdout) as { stages: { state: string }[] };
    expect(st.stages[0]?.state).toBe('interrupted');
  });
});

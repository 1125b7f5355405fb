// The runs a journal records, as truth tables: each way a run ends, and what its instances became.
import { describe, expect, it } from 'vitest';
import type { StageKey } from '../../../src/engine/cache/brands.js';
import type { JournalRecord } from '../../../src/engine/cache/journal.js';
import { runHistory, shortRunId } from '../../../src/engine/api/run-history.js';

const K = (c: string): StageKey => c.repeat(64) as StageKey;
const at = (s: number): string => new Date(Date.UTC(2026, 0, 1, 12, 0, s)).toISOString();
const start = (run: string, s: number, extra: Partial<Extract<JournalRecord, { t: 'run-start' }>> = {}): JournalRecord => ({
  t: 'run-start', run, time: at(s), pipeline: '/p/demo.yaml', name: 'demo', pid: 100, host: 'h', command: 'pipe run demo.yaml', options: { targets: [], overrides: [] }, ...extra,
});
const begin = (run: string, stage: string, key: StageKey, s: number, jobId?: string): JournalRecord => ({
  t: 'instance-start', run, time: at(s), stage, key, attempt: 1, pid: 200, devices: [], deviceKind: 'cpu', log: `/logs/${stage}.log`, resume: false, ...(jobId ? { jobId } : {}),
});
const end = (run: string, stage: string, key: StageKey, s: number, outcome: Extract<JournalRecord, { t: 'instance-end' }>['outcome'], extra: object = {}): JournalRecord => ({ t: 'instance-end', run, time: at(s), stage, key, outcome, ...extra });
const close = (run: string, s: number, exitCode: number): JournalRecord => ({ t: 'run-end', run, time: at(s), exitCode });

describe('run history', () => {
  it('a finished run: its duration, counts and instances', () => {
    const [r] = runHistory([
      start('20260101T120000-aaa111', 0),
      end('20260101T120000-aaa111', 'prep', K('1'), 1, 'cached'),
      begin('20260101T120000-aaa111', 'train[fold=0]', K('2'), 1),
      { t: 'progress', run: '20260101T120000-aaa111', time: at(5), stage: 'train[fold=0]', key: K('2'), progress: { done: 3, total: 3, unit: 'epoch' } },
      end('20260101T120000-aaa111', 'train[fold=0]', K('2'), 9, 'ran', { durationMs: 8000 }),
      close('20260101T120000-aaa111', 10, 0),
    ], () => false);
    expect(r).toMatchObject({ short: 'aaa111', state: 'finished', exitCode: 0, durationMs: 10_000, executor: 'local', name: 'demo' });
    expect(r!.counts).toMatchObject({ ran: 1, cached: 1, failed: 0, running: 0 });
    expect(r!.instances.map((i) => [i.stage, i.outcome, i.durationMs])).toEqual([['prep', 'cached', undefined], ['train[fold=0]', 'ran', 8000]]);
  });

  it('a run still going: running, with its instances’ progress, until now', () => {
    const records = [start('r-bbb222', 0), begin('r-bbb222', 'train', K('3'), 1), { t: 'progress', run: 'r-bbb222', time: at(4), stage: 'train', key: K('3'), progress: { done: 2, total: 20, unit: 'epoch' } } as JournalRecord];
    const [r] = runHistory(records, () => true, new Date(Date.parse(at(30))));
    expect(r).toMatchObject({ state: 'running', durationMs: 30_000 });
    expect(r!.instances[0]).toMatchObject({ outcome: 'running', progress: { done: 2, total: 20 } });
    // The same journal once its runner is gone (not yet swept): interrupted, until its last record.
    const [gone] = runHistory(records, () => false);
    expect(gone).toMatchObject({ state: 'interrupted', note: 'its runner stopped without closing the run', durationMs: 4000 });
    expect(gone!.instances[0]!.outcome).toBe('interrupted');
  });

  it('a runner that died and was swept by a later run: interrupted, its time up to its last sign of life', () => {
    const [r] = runHistory([
      start('r-ccc333', 0),
      begin('r-ccc333', 'train', K('4'), 1),
      { t: 'progress', run: 'r-ccc333', time: at(7), stage: 'train', key: K('4'), progress: { done: 1, unit: 'epoch' } },
      start('r-ddd444', 50),
      end('r-ccc333', 'train', K('4'), 51, 'interrupted', { error: 'the runner died while this instance ran' }),
      close('r-ccc333', 51, 137),
    ], () => false);
    expect(r).toMatchObject({ state: 'interrupted', note: 'its runner died', exitCode: 137, durationMs: 7000 });
    expect(r!.counts.interrupted).toBe(1);
  });

  it('failed, interrupted by a signal, and detached on Slurm', () => {
    const runs = runHistory([
      start('r-eee555', 0),
      end('r-eee555', 'train', K('5'), 3, 'failed', { error: 'exit 1', log: '/logs/train.log', exitCode: 1 }),
      end('r-eee555', 'report', K('6'), 3, 'skipped', { error: 'upstream train failed' }),
      close('r-eee555', 4, 1),
      start('r-fff666', 10),
      close('r-fff666', 12, 130),
      start('r-ggg777', 20, { options: { targets: [], overrides: ['params.epochs=5'] } }),
      begin('r-ggg777', 'train', K('7'), 21, '4242'),
      close('r-ggg777', 22, 0),
    ], () => false);
    expect(runs.map((r) => [r.short, r.state, r.note])).toEqual([['eee555', 'failed', undefined], ['fff666', 'interrupted', 'SIGINT'], ['ggg777', 'finished', undefined]]);
    expect(runs[0]!.instances[0]).toMatchObject({ stage: 'train', outcome: 'failed', error: 'exit 1', log: '/logs/train.log' });
    expect(runs[0]!.counts).toMatchObject({ failed: 1, skipped: 1 });
    expect(runs[2]).toMatchObject({ executor: 'slurm', counts: { submitted: 1 } });
    expect(runs[2]!.instances[0]).toMatchObject({ outcome: 'submitted', jobId: '4242' });
  });

  it('names a run by the random part of its id', () => {
    expect(shortRunId('20260101T120000-3fa2c1')).toBe('3fa2c1');
    expect(shortRunId('plain')).toBe('plain');
  });
});

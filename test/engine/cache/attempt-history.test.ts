/** earlierAttempts: a key's attempts since its last commit, from journal records (truth table). */
import { describe, expect, test } from 'vitest';
import { earlierAttempts } from '../../../src/engine/cache/attempt-history.js';
import type { JournalRecord } from '../../../src/engine/cache/journal.js';
import type { StageKey } from '../../../src/engine/cache/brands.js';

const K = 'k1' as StageKey;
const at = (s: number): string => new Date(Date.UTC(2026, 10, 28, 10, 0, s)).toISOString();
const start = (run: string, s: number, key = K): JournalRecord =>
  ({ t: 'instance-start', run, time: at(s), stage: 'train[fold=0]', key, attempt: 1, pid: 1, devices: [], deviceKind: 'cpu', log: 'l', resume: false });
const end = (run: string, s: number, outcome: 'ran' | 'failed' | 'interrupted', error?: string): JournalRecord =>
  ({ t: 'instance-end', run, time: at(s), stage: 'train[fold=0]', key: K, outcome, ...(error ? { error } : {}) });
const progress = (run: string, s: number): JournalRecord =>
  ({ t: 'progress', run, time: at(s), stage: 'train[fold=0]', key: K, progress: { done: 1, unit: 'epoch' } });

describe('earlierAttempts', () => {
  test('nothing before: none', () => {
    expect(earlierAttempts([], K)).toEqual([]);
  });

  test('Ctrl-C and a failure: their recorded ends; other keys ignored', () => {
    const records = [start('a', 0), end('a', 10, 'interrupted'), start('b', 20, 'other' as StageKey), start('b', 30), end('b', 45, 'failed')];
    expect(earlierAttempts(records, K)).toEqual([
      { startedAt: at(0), seconds: 10, outcome: 'interrupted' },
      { startedAt: at(30), seconds: 15, outcome: 'failed' },
    ]);
  });

  test('a dead runner closed later by the next run: ends at its last progress, not when noticed', () => {
    const records = [start('a', 0), progress('a', 5), progress('a', 12), end('a', 50, 'interrupted', 'the runner died while this instance ran')];
    expect(earlierAttempts(records, K)).toEqual([{ startedAt: at(0), seconds: 12, outcome: 'interrupted' }]);
  });

  test('a retry in the same run (no end record): ends where the next attempt starts, the last one at now', () => {
    const records = [start('a', 0), start('a', 8)];
    expect(earlierAttempts(records, K, new Date(at(20)))).toEqual([
      { startedAt: at(0), seconds: 8, outcome: 'failed' },
      { startedAt: at(8), seconds: 12, outcome: 'failed' },
    ]);
  });

  test('a commit starts a new history (the object was removed by gc and is built again)', () => {
    const records = [start('a', 0), end('a', 10, 'interrupted'), start('b', 20), end('b', 30, 'ran'), start('c', 40), end('c', 41, 'interrupted')];
    expect(earlierAttempts(records, K)).toEqual([{ startedAt: at(40), seconds: 1, outcome: 'interrupted' }]);
  });
});

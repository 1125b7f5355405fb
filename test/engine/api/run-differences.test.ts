// What differs between two runs, from the key material of their keys.
import { describe, expect, it } from 'vitest';
import type { StageKey } from '../../../src/engine/cache/brands.js';
import type { KeyMaterial } from '../../../src/engine/cache/key.js';
import type { RunEntry, RunInstance } from '../../../src/engine/api/run-history.js';
import { runDifferences } from '../../../src/engine/api/run-differences.js';

const material = (stage: string, w: Record<string, unknown>, params: Record<string, unknown>, needs: Record<string, string> = {}): KeyMaterial => ({
  schema: 2, stage, kind: 'k', version: '1', with: w, params, matrix: {}, needs: needs as Record<string, StageKey>, inputs: {}, outputs: [],
});

const MATERIAL = new Map<string, KeyMaterial>([
  ['prep', material('prep', { size: 3 }, {})],
  ['trainA0', material('train', { fold: 0, epochs: 34 }, { epochs: 34 }, { prep: 'prep' })],
  ['trainA1', material('train', { fold: 1, epochs: 34 }, { epochs: 34 }, { prep: 'prep' })],
  ['trainB0', material('train', { fold: 0, epochs: 20 }, { epochs: 20 }, { prep: 'prep' })],
  ['trainB1', material('train', { fold: 1, epochs: 20 }, { epochs: 20 }, { prep: 'prep' })],
  ['reportA', material('report', {}, {}, { 'train[fold=0]': 'trainA0', 'train[fold=1]': 'trainA1' })],
  ['reportB', material('report', {}, {}, { 'train[fold=0]': 'trainB0', 'train[fold=1]': 'trainB1' })],
]);

const inst = (stage: string, key: string): RunInstance => ({ stage, key: key as StageKey, outcome: 'ran' });
const run = (short: string, instances: RunInstance[]): RunEntry => ({ short, instances } as unknown as RunEntry);
const A = run('aaa111', [inst('prep', 'prep'), inst('train[fold=0]', 'trainA0'), inst('train[fold=1]', 'trainA1'), inst('report', 'reportA'), inst('predict', 'gone')]);
const B = run('bbb222', [inst('prep', 'prep'), inst('train[fold=0]', 'trainB0'), inst('train[fold=1]', 'trainB1'), inst('report', 'reportB'), inst('extra', 'prep')]);

describe('run differences', () => {
  const d = runDifferences(A, B, (k) => MATERIAL.get(k));

  it('lists the params whose values differ', () => {
    expect(d.params).toEqual([{ param: 'epochs', from: '34', to: '20' }]);
  });

  it('tells the instances of one stage with the same changes once, and an upstream-only rerun as such', () => {
    expect(d.stages).toEqual([
      { stage: 'train', instances: ['train[fold=0]', 'train[fold=1]'], changes: [{ field: 'with.epochs', from: '34', to: '20' }], upstream: [] },
      { stage: 'report', instances: ['report'], changes: [], upstream: ['train'] },
    ]);
    expect(d.same).toEqual(['prep']);
    expect(d.onlyBaseline).toEqual(['predict']);
    expect(d.onlyOther).toEqual(['extra']);
  });

  it('says when a key differs but its material was not recorded', () => {
    const C = run('ccc333', [inst('prep', 'unknown')]);
    expect(runDifferences(A, C, (k) => MATERIAL.get(k)).stages).toEqual([{ stage: 'prep', instances: ['prep'], changes: [], upstream: [], unrecorded: true }]);
  });
});

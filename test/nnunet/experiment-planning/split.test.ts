import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { LegacyRandomState } from '../../../src/util/legacy-random-state.js';
import { kfoldSplits, sortIds } from '../../../src/nnunet/experiment-planning/split.js';

const liverIds = Array.from({ length: 131 }, (_, i) => `liver_${i}`);
const num = (id: string): number => Number(id.slice('liver_'.length));

describe('kfoldSplits', () => {
  it('reproduces the reference fold table for Task03 (recipe section 6)', () => {
    const splits = kfoldSplits(liverIds);
    expect(splits.map((s) => s.val.length)).toEqual([27, 26, 26, 26, 26]);
    const table = [
      [3, 5, 11, 12, 17, 19, 24, 25, 27, 38, 40, 41, 42, 44, 51, 52, 58, 64, 70, 75, 77, 82, 101, 112, 115, 120, 128],
      [4, 7, 10, 14, 16, 21, 23, 28, 45, 59, 66, 67, 68, 71, 73, 85, 86, 91, 93, 96, 103, 105, 106, 116, 123, 127],
      [0, 8, 13, 18, 20, 22, 26, 32, 33, 35, 37, 43, 48, 56, 61, 78, 79, 80, 87, 89, 113, 114, 117, 118, 121, 125],
      [6, 9, 29, 30, 31, 36, 39, 46, 49, 57, 60, 62, 65, 69, 81, 90, 92, 94, 97, 100, 102, 109, 111, 122, 126, 130],
      [1, 2, 15, 34, 47, 50, 53, 54, 55, 63, 72, 74, 76, 83, 84, 88, 95, 98, 99, 104, 107, 108, 110, 119, 124, 129],
    ];
    splits.forEach((s, k) => expect(s.val.map(num).sort((a, b) => a - b)).toEqual(table[k]));
  });

  it('gives disjoint folds that cover every case, train = the rest, same result every time', () => {
    const ids = Array.from({ length: 20 }, (_, i) => `case_${String(i).padStart(3, '0')}`);
    const a = kfoldSplits([...ids].reverse());
    const b = kfoldSplits(ids);
    expect(a).toEqual(b);
    const vals = a.flatMap((s) => s.val);
    expect(new Set(vals).size).toBe(20);
    expect(sortIds(vals)).toEqual(sortIds(ids));
    for (const s of a) {
      expect(s.train.filter((id) => s.val.includes(id))).toEqual([]);
      expect(s.train.length + s.val.length).toBe(20);
      expect(s.train).toEqual(sortIds(s.train));
    }
  });

  it('rejects duplicate ids and too few cases', () => {
    expect(() => kfoldSplits(['a', 'a', 'b', 'c', 'd', 'e'])).toThrow(/unique/);
    expect(() => kfoldSplits(['a', 'b'])).toThrow(/at least 5/);
  });
});

describe('LegacyRandomState', () => {
  it('matches numpy RandomState draws, permutations and choice (Debian python3-numpy)', () => {
    const py = execFileSync('/usr/bin/python3', ['-c', [
      'import numpy as np, json',
      
      'p = [int(x) for x in np.random.RandomState(12345).permutation(1000)]',
      'c = [int(x) for x in np.random.RandomState(1234).choice(70001, 300, replace=False)]',
      'print(json.dumps([p, c]))',
    ].join('\n')], { encoding: 'utf8' });
    const [perm, choice] = JSON.parse(py) as number[][];
    expect(Array.from(new LegacyRandomState(12345).permutation(1000))).toEqual(perm);
    expect(Array.from(new LegacyRandomState(1234).choiceWithoutReplacement(70001, 300))).toEqual(choice);
  });
});

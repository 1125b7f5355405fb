import { describe, expect, test } from 'vitest';
import { budgetRefusal, runWithBudget } from '../../../src/nnunet/preprocessing/memory.js';
import { memoryBudget } from '../../../src/util/machine-memory.js';

/** Tasks that record, for each one, the others running at some moment of its run; each takes a few ms. */
function tracked(sizes: readonly number[]) {
  const live = new Set<number>();
  const beside: Set<number>[] = sizes.map(() => new Set());
  let peak = 0;
  const tasks = sizes.map((bytes, i) => ({
    bytes,
    run: async () => {
      for (const j of live) {
        beside[i]?.add(j);
        beside[j]?.add(i);
      }
      live.add(i);
      peak = Math.max(peak, live.size);
      await new Promise((r) => setTimeout(r, 5));
      live.delete(i);
      return i;
    },
  }));
  return { tasks, beside, peak: () => peak };
}

describe('runWithBudget', () => {
  test('a case above its worker share runs alone; the others run side by side', async () => {
    const { tasks, beside, peak } = tracked([1, 1, 7, 1, 1]);
    const results = await runWithBudget(tasks, 2, { bytes: 10, share: 5 });
    expect(results).toEqual([0, 1, 2, 3, 4]);
    expect([...(beside[2] ?? [])]).toEqual([]);
    expect(beside[0]?.has(1)).toBe(true);
    expect(beside[3]?.has(4)).toBe(true);
    expect(peak()).toBe(2);
  });

  test('cases under their share still wait while the sum would pass the budget', async () => {
    const { tasks, peak } = tracked([4, 4, 4]);
    await runWithBudget(tasks, 3, { bytes: 10, share: 5 });
    expect(peak()).toBe(2);
  });
});

describe('budgetRefusal', () => {
  test('names the stage, the setting and a param, for a set value and for the machine default', () => {
    const set = budgetRefusal('preprocess', memoryBudget(8, 2), [{ line: 'case liver_1 needs an estimated 10.15 GiB (shape 880x512x512)', bytes: 10.15 * 2 ** 30 }]);
    expect(set.message).toBe(
      'preprocess: memory_gb = 8 is too small:\n' +
        '  case liver_1 needs an estimated 10.15 GiB (shape 880x512x512)\n' +
        'raise memory_gb (or run on a machine with more memory): set memory_gb (GiB) in the `with:` of stage `preprocess` ' +
        '(with: {memory_gb: 11}), or through a param passed there (pipelines/task003_5fold.yaml: --set params.memory_gb=11); ' +
        'memory_gb: null takes it from the machine',
    );
    const machine = budgetRefusal('plan', memoryBudget(null, 1), [{ line: 'case x needs an estimated 1000.00 GiB', bytes: 1000 * 2 ** 30 }]);
    expect(machine.message).toMatch(/^plan: memory budget [\d.]+ GiB from the machine \(.*\) is too small:\n {2}case x needs/);
    expect(machine.message).toMatch(/this machine cannot hold the case: .*with: \{memory_gb: 1000\}/);
  });
});

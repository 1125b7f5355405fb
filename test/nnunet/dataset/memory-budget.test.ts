import { describe, expect, test } from 'vitest';
import { MemoryBudget } from '../../../src/nnunet/dataset/decathlon/memory-budget.js';

describe('MemoryBudget', () => {
  test('holds callers back until their bytes fit, in arrival order', async () => {
    const budget = new MemoryBudget(10);
    const order: string[] = [];
    const releaseA = await budget.acquire(6);
    const b = budget.acquire(6).then((r) => (order.push('b'), r));
    const c = budget.acquire(3).then((r) => (order.push('c'), r)); // fits now, but waits behind b (FIFO)
    await new Promise((r) => setTimeout(r, 10));
    expect(order).toEqual([]);
    releaseA();
    const releaseB = await b;
    const releaseC = await c;
    expect(order).toEqual(['b', 'c']);
    releaseB();
    releaseC();
    releaseC(); // a second release is harmless
    const all = await budget.acquire(10);
    all();
  });

  test('says when a request can never fit', async () => {
    const budget = new MemoryBudget(10);
    expect(budget.fits(11)).toBe(false);
    await expect(budget.acquire(11)).rejects.toThrow(/can never fit/);
  });
});

describe('MemoryBudget with a worker share', () => {
  test('a request above the share holds the whole budget, so it runs alone', async () => {
    const budget = new MemoryBudget(10, 5);
    const small = await budget.acquire(2);
    let bigStarted = false;
    const big = budget.acquire(6).then((r) => ((bigStarted = true), r));
    await new Promise((r) => setTimeout(r, 10));
    expect(bigStarted).toBe(false); // 2 + 6 fits the budget, but 6 is above a share
    small();
    const releaseBig = await big;
    let nextStarted = false;
    const next = budget.acquire(1).then((r) => ((nextStarted = true), r));
    await new Promise((r) => setTimeout(r, 10));
    expect(nextStarted).toBe(false);
    releaseBig();
    (await next)();
  });
});

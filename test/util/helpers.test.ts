/** Small helpers: shell quoting, did-you-mean, admission of devices. */
import { describe, expect, test } from 'vitest';
import { shellQuote } from '../../src/util/shell-quote.js';
import { didYouMean } from '../../src/util/did-you-mean.js';
import { Admission } from '../../src/engine/exec/admission.js';

describe('small helpers', () => {
  test('shellQuote', () => {
    expect([shellQuote('/a/b-c.txt'), shellQuote('/a b'), shellQuote("it's")]).toEqual(['/a/b-c.txt', "'/a b'", "'it'\\''s'"]);
  });
  test('didYouMean', () => {
    expect([didYouMean('need', ['needs', 'run']), didYouMean('zzz', ['needs'])]).toEqual(['needs', undefined]);
  });
  test('admission hands out distinct devices and lets a fitting waiter pass a blocked one', async () => {
    const a = new Admission(4, new Map([['cuda', { kind: 'cuda', ids: ['0', '1', '2'] }]]));
    const g1 = await a.acquire('cuda', 2);
    let big: string[] | undefined;
    void a.acquire('cuda', 2).then((g) => (big = [...g.devices]));
    const small = await a.acquire('cuda', 1);
    expect([g1.devices, small.devices]).toEqual([['0', '1'], ['2']]);
    expect(big).toBeUndefined();
    g1.release();
    await new Promise((r) => setTimeout(r, 0));
    expect(big).toEqual(['0', '1']);
  });
});

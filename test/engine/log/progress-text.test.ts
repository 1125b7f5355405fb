/** progressText shows progress inside the unit in hand (`tiles 40/216`) after the count, and ignores a malformed one. */
import { describe, expect, test } from 'vitest';
import { progressText } from '../../../src/engine/log/progress-text.js';
import type { Progress } from '../../../src/stage-api/types.js';

describe('progress inside the unit in hand', () => {
  test('tiles of the case in progress follow the case count, before the message and the ETA', () => {
    expect(progressText({ done: 2, total: 5, unit: 'case', message: 'liver_3', within: { done: 40, total: 216, unit: 'tiles' }, remainingSeconds: 4320 }))
      .toBe('case 2/5 tiles 40/216 liver_3 ETA 1h12m');
  });
  test('a within a shell stage got wrong is left out, not shown as undefined', () => {
    const bad = { done: 1, unit: 'case', within: { done: '3', total: 4, unit: 'tiles' } } as unknown as Progress;
    expect(progressText(bad)).toBe('case 1');
    expect(progressText({ done: 1, unit: 'case', within: null } as unknown as Progress)).toBe('case 1');
  });
});

describe('values', () => {
  test('a NaN that arrived as null (dice without validation batches) is left out instead of crashing the runner', () => {
    const p = JSON.parse(JSON.stringify({ done: 0, total: 1, unit: 'epoch', values: { loss: 0.25, dice: NaN } })) as Progress;
    expect(progressText(p)).toBe('epoch 0/1 loss 0.25');
  });
});

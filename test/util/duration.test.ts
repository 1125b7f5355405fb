/** Durations in pipeline files and on the terminal. */
import { describe, expect, test } from 'vitest';
import { parseDuration, formatDuration } from '../../src/util/duration.js';

describe('durations', () => {
  test.each([[90, 90_000], ['30s', 30_000], ['1h30m', 5_400_000], ['250ms', 250], ['2d', 172_800_000], ['5 minutes', undefined], ['', undefined], [-1, undefined]])('%j', (v, ms) => {
    expect(parseDuration(v)).toBe(ms);
  });
  test('format', () => {
    expect([formatDuration(450), formatDuration(4100), formatDuration(72_000), formatDuration(7 * 3_600_000 + 12 * 60_000)]).toEqual(['450ms', '4.1s', '1m12s', '7h12m']);
  });
});

// Which run `pipe compare` takes for an id, a prefix, last or last~N; and what it says when none or several fit.
import { describe, expect, it } from 'vitest';
import { resolveRunRef } from '../../../src/engine/api/run-ref.js';
import type { RunEntry } from '../../../src/engine/api/run-history.js';

const run = (id: string): RunEntry => ({ id, short: id.slice(id.lastIndexOf('-') + 1) } as RunEntry);
const ALL = [run('20260101T120000-3fa2c1'), run('20260101T130000-3fb999'), run('20260102T090000-8e01d4'), run('20260102T100000-c0ffee')];
// The pipeline's runs, newest first (the last one in the store belongs to another pipeline).
const MINE = [ALL[2]!, ALL[1]!, ALL[0]!];
const pick = (ref: string): string => resolveRunRef(ref, MINE, ALL, '/store').id;

describe('run references', () => {
  it('last and last~N count back through the pipeline’s runs', () => {
    expect(pick('last')).toBe('20260102T090000-8e01d4');
    expect(pick('last~0')).toBe('20260102T090000-8e01d4');
    expect(pick('last~2')).toBe('20260101T120000-3fa2c1');
    expect(() => pick('last~3')).toThrow('last~3: the store /store records 3 run(s) of this pipeline, so there is no run 3 before the last (pipe runs lists them)');
  });

  it('an id, or a unique prefix of the id or of its short form', () => {
    expect(pick('20260102T100000-c0ffee')).toBe('20260102T100000-c0ffee');
    expect(pick('8e0')).toBe('20260102T090000-8e01d4');
    expect(pick('20260102T09')).toBe('20260102T090000-8e01d4');
    expect(() => pick('3f')).toThrow('3f names 2 runs (20260101T120000-3fa2c1, 20260101T130000-3fb999): give more of the id');
    expect(() => pick('dead')).toThrow('no run dead in the store /store (pipe runs lists the runs and their ids)');
  });
});

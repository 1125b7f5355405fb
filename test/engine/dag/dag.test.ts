/** Truth tables for the pure graph helpers: cycles, waves, target selection. */
import { describe, expect, test } from 'vitest';
import { findCycle } from '../../../src/engine/dag/cycle.js';
import { topologicalWaves } from '../../../src/engine/dag/order.js';
import { withUpstream } from '../../../src/engine/dag/select.js';

describe('findCycle', () => {
  test.each([
    [{ a: [], b: ['a'] }, undefined],
    [{ a: ['b'], b: ['a'] }, ['a', 'b', 'a']],
    [{ a: ['b'], b: ['c'], c: ['a'], d: ['a'] }, ['a', 'b', 'c', 'a']],
    [{ a: ['a'] }, ['a', 'a']],
    [{ a: ['b', 'c'], b: ['d'], c: ['d'], d: [] }, undefined],
  ])('%j -> %j', (graph, cycle) => {
    expect(findCycle(graph)).toEqual(cycle);
  });
});

describe('topological waves and selection', () => {
  test('waves by in-degree', () => {
    expect(topologicalWaves({ report: ['v0', 'v1'], v0: ['t0'], v1: ['t1'], t0: ['plan'], t1: ['plan'], plan: [] })).toEqual([['plan'], ['t0', 't1'], ['v0', 'v1'], ['report']]);
  });
  test('a target brings what it needs, not what needs it', () => {
    expect([...withUpstream({ report: ['v'], v: ['t'], t: ['p'], p: [], other: ['p'] }, ['v'])].sort()).toEqual(['p', 't', 'v']);
  });
});

/** Truth tables for the pure helpers: cycles, waves, canonical JSON, references, globs, durations, protocol, key diffs. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { findCycle } from '../../../src/engine/dag/cycle.js';
import { topologicalWaves } from '../../../src/engine/dag/order.js';
import { withUpstream } from '../../../src/engine/dag/select.js';
import { canonicalJson } from '../../../src/util/canonical-json.js';
import { scanRefs, substitute } from '../../../src/engine/config/interpolate.js';
import { expandInput } from '../../../src/engine/cache/glob.js';
import { parseDuration, formatDuration } from '../../../src/util/duration.js';
import { encodeMessage, parseMessage } from '../../../src/stage-api/protocol.js';
import { describeChanges, diffMaterial, stageKey, type KeyMaterial } from '../../../src/engine/cache/key.js';
import { shellQuote } from '../../../src/util/shell-quote.js';
import { didYouMean } from '../../../src/util/did-you-mean.js';
import { Admission } from '../../../src/engine/exec/admission.js';

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

describe('canonicalJson', () => {
  test('key order never matters; undefined members vanish', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: undefined } })).toBe('{"a":{"d":[1,{"x":1,"y":2}]},"b":1}');
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });
});

describe('references', () => {
  test.each([
    ['echo ${params.batch_size}', [{ kind: 'params', path: ['batch_size'] }], []],
    ['${matrix.fold} ${out} ${stages.plan.out} ${resources.devices}', [{ kind: 'matrix', axis: 'fold' }, { kind: 'out' }, { kind: 'stage-out', stage: 'plan' }, { kind: 'resources', field: 'devices' }], []],
    ['echo ${HOME} $${params.x}', [], []],
    ['echo ${parms.x}', [], ['unknown reference']],
    ['echo ${stages.plan}', [], ['expected ${stages.<stage>.out}']],
    ['echo ${out', [], ['unterminated']],
  ])('%s', (text, refs, errors) => {
    const r = scanRefs(text);
    expect(r.tokens.map((t) => t.ref)).toEqual(refs);
    expect(r.errors.map((e) => e.message)).toEqual(errors.map((e) => expect.stringContaining(e)));
  });
  test('substitute keeps unresolved references and unescapes $${', () => {
    expect(substitute('a ${params.x} ${out} $${params.x}', (ref) => (ref.kind === 'params' ? '4' : null))).toBe('a 4 ${out} ${params.x}');
  });
});

describe('expandInput', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pipe-glob-'));
  mkdirSync(join(dir, 'data', 'sub'), { recursive: true });
  for (const f of ['data/a.nii.gz', 'data/b.nii.gz', 'data/notes.txt', 'data/sub/c.nii.gz']) writeFileSync(join(dir, f), f);
  test.each([
    ['data/a.nii.gz', ['data/a.nii.gz']],
    ['data', ['data/a.nii.gz', 'data/b.nii.gz', 'data/notes.txt', 'data/sub/c.nii.gz']],
    ['data/*.nii.gz', ['data/a.nii.gz', 'data/b.nii.gz']],
    ['data/**/*.nii.gz', ['data/a.nii.gz', 'data/b.nii.gz', 'data/sub/c.nii.gz']],
    ['data/[ab].nii.gz', ['data/a.nii.gz', 'data/b.nii.gz']],
    ['missing/*.txt', []],
  ])('%s', (pattern, files) => {
    expect(expandInput(pattern, dir).map((f) => f.slice(dir.length + 1))).toEqual(files);
  });
  test('cleanup', () => rmSync(dir, { recursive: true }));
});

describe('durations', () => {
  test.each([[90, 90_000], ['30s', 30_000], ['1h30m', 5_400_000], ['250ms', 250], ['2d', 172_800_000], ['5 minutes', undefined], ['', undefined], [-1, undefined]])('%j', (v, ms) => {
    expect(parseDuration(v)).toBe(ms);
  });
  test('format', () => {
    expect([formatDuration(450), formatDuration(4100), formatDuration(72_000), formatDuration(7 * 3_600_000 + 12 * 60_000)]).toEqual(['450ms', '4.1s', '1m12s', '7h12m']);
  });
});

describe('::pipe:: protocol', () => {
  test('round trip and rejection', () => {
    const line = encodeMessage({ type: 'progress', done: 3, total: 10, unit: 'epoch', values: { loss: 0.5 } });
    expect(line).toBe('::pipe:: {"type":"progress","done":3,"total":10,"unit":"epoch","values":{"loss":0.5}}\n');
    expect(parseMessage(line.trimEnd())).toEqual({ type: 'progress', done: 3, total: 10, unit: 'epoch', values: { loss: 0.5 } });
    expect(parseMessage('::pipe:: {"type":"progress"}')).toBeUndefined();
    expect(parseMessage('::pipe:: not json')).toBeUndefined();
    expect(parseMessage('hello')).toBeUndefined();
    expect(parseMessage('::pipe:: {"type":"metrics","values":{"dice":0.9}}')).toEqual({ type: 'metrics', values: { dice: 0.9 } });
  });
});

describe('key material', () => {
  const base: KeyMaterial = { schema: 1, stage: 'train', kind: 'run', version: '1', command: 'train --bs 2', params: { batch_size: 2 }, matrix: { fold: 3 }, needs: {}, inputs: { 'a.txt': 'aa' as never }, outputs: [] };
  test('keys are stable and sensitive', () => {
    expect(stageKey(base)).toBe(stageKey(JSON.parse(JSON.stringify(base)) as KeyMaterial));
    expect(stageKey(base)).not.toBe(stageKey({ ...base, matrix: { fold: 4 } }));
  });
  test('field-level diff and reason', () => {
    const after = { ...base, command: 'train --bs 4', params: { batch_size: 4 }, inputs: { 'a.txt': 'ab' as never, 'b.txt': 'bb' as never } };
    const changes = diffMaterial(base, after);
    expect(changes.map((c) => c.field)).toEqual(['params.batch_size', 'inputs.a.txt', 'inputs.b.txt', 'command']);
    expect(describeChanges(changes)).toBe('params: batch_size 2->4; inputs: a.txt changed, b.txt added');
  });
});

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

/**
 * Reading a pipeline file defends itself (issue #14, items 18-20): bytes that are not UTF-8 and YAML alias
 * bombs are located errors, duplicate keys are still found, and loading is linear in the number of params.
 */
import { describe, expect, test } from 'vitest';
import { PipelineError } from '../../../src/engine/config/diagnostics.js';
import { parsePipelineText } from '../../../src/engine/config/load.js';
import { decodePipelineText, firstInvalidUtf8 } from '../../../src/engine/config/utf8.js';

/** The formatted diagnostics of what `f` throws (it must throw a PipelineError). */
function diagnosticsOf(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(PipelineError);
    return (error as PipelineError).format('/t');
  }
  throw new Error('expected a PipelineError, nothing was thrown');
}

describe('UTF-8', () => {
  test.each([
    ['ASCII', [0x61, 0x62], -1],
    ['two-byte é', [0xc3, 0xa9, 0x61], -1],
    ['four-byte emoji', [0xf0, 0x9f, 0x98, 0x80], -1],
    ['stray 0xff', [0x61, 0xff, 0x62], 1],
    ['Latin-1 é', [0x61, 0x62, 0xe9, 0x74], 2],
    ['overlong slash', [0xc0, 0xaf], 0],
    ['UTF-16 surrogate', [0x61, 0xed, 0xa0, 0x80], 1],
    ['truncated sequence at the end', [0x61, 0xe2, 0x82], 1],
  ])('%s: first invalid byte', (_name, bytes, at) => {
    expect(firstInvalidUtf8(Uint8Array.from(bytes))).toBe(at);
  });

  test('a Latin-1 byte is rejected at file:line:col with the line shown', () => {
    const bytes = Buffer.concat([Buffer.from('name: x\nstages:\n  s:\n    run: echo caf'), Buffer.from([0xe9]), Buffer.from(' > ${out}/o\n')]);
    const text = diagnosticsOf(() => decodePipelineText('/t/p.yaml', bytes));
    expect(text).toContain('p.yaml:4:18: error: invalid UTF-8: byte 0xe9 at byte offset 38');
    expect(text).toContain('4 |     run: echo caf\uFFFD > ${out}/o');
  });

  test('valid UTF-8 (with multi-byte characters and a BOM) decodes unchanged', () => {
    const text = '\uFEFFname: étude\nstages: {s: {run: echo 😀}}\n';
    expect(decodePipelineText('/t/p.yaml', Buffer.from(text, 'utf8'))).toBe(text);
  });
});

describe('YAML aliases', () => {
  const bomb = [
    'a: &a [x, x, x, x, x, x, x, x, x]',
    'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
    'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
    'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
    'e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]',
    'name: bomb',
    'stages: {s: {run: echo}}',
    '',
  ].join('\n');

  test('an alias bomb is a located error where the aliases start to multiply', () => {
    const text = diagnosticsOf(() => parsePipelineText('/t/p.yaml', bomb));
    expect(text).toMatch(/^p\.yaml:3:8: error: invalid YAML: aliases expand beyond the cap of 100/);
  });

  test('a few aliases of a shared block still load', () => {
    const doc = parsePipelineText('/t/p.yaml', 'x: &w {a: 1, b: [1, 2]}\nstages:\n  s: {run: echo, with: *w}\n  t: {run: echo, with: *w}\n');
    expect(doc.value).toEqual({ x: { a: 1, b: [1, 2] }, stages: { s: { run: 'echo', with: { a: 1, b: [1, 2] } }, t: { run: 'echo', with: { a: 1, b: [1, 2] } } } });
  });
});

describe('duplicate keys', () => {
  test.each([
    ['block map', 'name: x\nstages:\n  s:\n    run: a\n    run: b\n', 'p.yaml:5:5'],
    ['flow map', 'name: x\nparams: {a: 1, b: 2, a: 3}\n', 'p.yaml:2:22'],
    ['top level, far apart', 'name: x\nparams: {}\nname: y\n', 'p.yaml:3:1'],
  ])('%s: located', (_name, yaml, at) => {
    expect(diagnosticsOf(() => parsePipelineText('/t/p.yaml', yaml))).toContain(`${at}: error: invalid YAML: Map keys must be unique`);
  });

  test('keys that differ in type or nesting are not duplicates', () => {
    expect(parsePipelineText('/t/p.yaml', 'params: {1: a, "1": b}\nx: {a: 1}\ny: {a: 1}\n').value).toEqual({ params: { 1: 'b' }, x: { a: 1 }, y: { a: 1 } });
  });
});

describe('load time', () => {
  const withParams = (n: number): string => `name: many\nparams:\n${Array.from({ length: n }, (_, i) => `  p${i}: ${i}\n`).join('')}stages:\n  s: {run: echo}\n`;
  const msToParse = (n: number): number => {
    const text = withParams(n);
    const t = performance.now();
    const doc = parsePipelineText('/t/p.yaml', text);
    const ms = performance.now() - t;
    expect(Object.keys((doc.value as { params: object }).params)).toHaveLength(n);
    return ms;
  };

  test('is linear in the number of params (40k params cost about 4x 10k, not 16x)', () => {
    msToParse(2000); // warm-up: JIT
    const small = Math.min(msToParse(10_000), msToParse(10_000));
    const large = Math.min(msToParse(40_000), msToParse(40_000));
    // Linear: ~4; the quadratic duplicate-key check gave ~16. 8 leaves room for a busy machine.
    expect(large / small, `10k: ${small.toFixed(0)} ms, 40k: ${large.toFixed(0)} ms`).toBeLessThan(8);
  });
});

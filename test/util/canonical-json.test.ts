/** Canonical JSON: the text keys are hashed over. */
import { describe, expect, test } from 'vitest';
import { canonicalJson } from '../../src/util/canonical-json.js';

describe('canonicalJson', () => {
  test('key order never matters; undefined members vanish', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: undefined } })).toBe('{"a":{"d":[1,{"x":1,"y":2}]},"b":1}');
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });
});

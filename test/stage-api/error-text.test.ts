/** What a stage's fatal error prints (stage-api/error-text.ts) and the global --debug flag (cli/debug-flag.ts). */
import { describe, expect, test } from 'vitest';
import { errorText } from '../../src/stage-api/error-text.js';
import { takeDebugFlag } from '../../src/engine/cli/debug-flag.js';

class DatasetLikeError extends Error {
  override readonly name = 'DatasetLikeError';
}

describe('errorText', () => {
  test('a named error of a stage: name and message, no stack', () => {
    expect(errorText(new DatasetLikeError('2 problems in /data:\n  - dataset.json is missing'), false)).toBe('DatasetLikeError: 2 problems in /data:\n  - dataset.json is missing');
  });
  test('a plain Error: its message, with its causes', () => {
    const e = new Error('cannot read case_001', { cause: Object.assign(new Error("ENOENT: no such file or directory, open 'x'"), { code: 'ENOENT' }) });
    expect(errorText(e, false)).toBe("cannot read case_001\n  caused by: ENOENT: no such file or directory, open 'x'");
  });
  test.each([new TypeError('x is not a function'), new ReferenceError('y is not defined'), new RangeError('Invalid array length')])('%s is a bug: Internal error with the stack', (e) => {
    const text = errorText(e, false);
    expect(text.startsWith(`Internal error: ${e.name}: ${e.message}`)).toBe(true);
    expect(text).toMatch(/\n\s+at /);
  });
  test('debug: every error with its stack', () => {
    expect(errorText(new DatasetLikeError('bad'), true)).toMatch(/^DatasetLikeError: bad\n\s+at /);
  });
  test('a thrown non-Error value', () => {
    expect(errorText('plain string', false)).toBe('plain string');
  });
});

describe('--debug', () => {
  test.each([
    [['run', 'p.yaml'], false, ['run', 'p.yaml']],
    [['--debug', 'run', 'p.yaml'], true, ['run', 'p.yaml']],
    [['run', 'p.yaml', '--debug', '--json'], true, ['run', 'p.yaml', '--json']],
    [['run', 'p.yaml', '--', '--debug'], false, ['run', 'p.yaml', '--', '--debug']],
  ])('%j', (argv, debug, rest) => {
    expect(takeDebugFlag(argv)).toEqual({ debug, argv: rest });
  });
});

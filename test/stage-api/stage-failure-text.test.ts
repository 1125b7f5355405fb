/** What a stage child prints for its stage's error: a refused write is named without a JavaScript stack. */
import { writeFile } from 'node:fs/promises';
import { describe, expect, test } from 'vitest';
import { NativeError } from '../../src/native/addon/errors.js';
import { stageFailureText } from '../../src/stage-api/failure-text.js';

const stackLine = /^\s+at /m;

describe('stage failure text', () => {
  test('a write to a full device (a real ENOSPC from /dev/full) names the errno, hints, and shows no stack', async () => {
    const error = await writeFile('/dev/full', 'x').then(() => undefined, (e: unknown) => e);
    expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
    const text = stageFailureText(error, false);
    expect(text).toMatch(/^ENOSPC: no space left on device/);
    expect(text).toContain('---> HINT: free space (or fix the filesystem) and run the same command again');
    expect(text).not.toMatch(stackLine);
  });

  test("the native runtime's ENATIVE_IO is printed as its message (which carries its own hint), without a stack", () => {
    const message = 'ENOSPC: no space left on device (checkpoint /s/run/checkpoint_latest.pt, writing /s/run/checkpoint_latest.pt.tmp)\n---> HINT: …';
    const text = stageFailureText(new NativeError('ENATIVE_IO', message, new Error('call site')), false);
    expect(text).toBe(message);
  });

  test('a bug keeps its stack (it must be traceable)', () => {
    const text = stageFailureText(new TypeError('x is undefined'), false);
    expect(text).toMatch(/^Internal error: TypeError: x is undefined/);
    expect(text).toMatch(stackLine);
  });
});

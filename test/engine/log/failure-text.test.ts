/** Each Failure reads as the words pipe printed before failures were objects (the CLI and journal text). */
import { describe, expect, test } from 'vitest';
import type { Failure } from '../../../src/engine/log/events.js';
import { failureText } from '../../../src/engine/log/failure-text.js';

describe('failureText', () => {
  test.each<[Failure, string]>([
    [{ reason: 'exit-non-zero', exitCode: 3 }, 'exit 3'],
    [{ reason: 'signal', signal: 'SIGKILL' }, 'killed by SIGKILL'],
    [{ reason: 'timeout', timeoutMs: 500 }, 'timed out after 0.5s'],
    [{ reason: 'spawn-error', message: 'spawn /no/such ENOENT' }, 'could not start: spawn /no/such ENOENT'],
    [{ reason: 'outputs-missing', missing: ['model.pt', 'plans.json'] }, 'declared output(s) missing: model.pt, plans.json'],
    [{ reason: 'cluster-job', jobId: '7', state: 'TIMEOUT', message: 'Slurm job 7 TIMEOUT: reached its time limit (raise resources.time)' },
      'Slurm job 7 TIMEOUT: reached its time limit (raise resources.time)'],
    [{ reason: 'upstream-failed', upstream: 'train[fold=3]', upstreamOutcome: 'failed' }, 'upstream train[fold=3] failed'],
    [{ reason: 'upstream-failed', upstream: 'validate[fold=3]', upstreamOutcome: 'skipped' }, 'upstream validate[fold=3] skipped'],
    [{ reason: 'stopped', cause: 'earlier-failure' }, 'an earlier stage failed (use --keep-going to run independent branches)'],
    [{ reason: 'stopped', cause: 'before-start' }, 'run stopped before it started'],
    [{ reason: 'stopped', cause: 'runner-died' }, 'the runner died while this instance ran'],
    [{ reason: 'internal-error', message: 'TypeError: x is undefined\n    at f (a.ts:1:1)' }, 'Internal error: TypeError: x is undefined\n    at f (a.ts:1:1)'],
  ])('%j', (failure, text) => {
    expect(failureText(failure)).toBe(text);
  });

  test('a reason outside the union is an internal error (the switch is closed by unreachable), not a blank', () => {
    expect(() => failureText({ reason: 'from-the-future' } as unknown as Failure)).toThrow(/^Internal error: unexpected value/);
  });
});

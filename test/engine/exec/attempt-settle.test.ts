/** Which failure an ended attempt has: the backend's word first, then the exit status, then the declared outputs. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { attemptFailure } from '../../../src/engine/exec/attempt-settle.js';
import type { AttemptResult } from '../../../src/engine/exec/launch/types.js';

describe('attemptFailure', () => {
  const out = mkdtempSync(join(tmpdir(), 'pipe-settle-'));
  writeFileSync(join(out, 'model.pt'), 'w');
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  const ok: AttemptResult = { exitCode: 0, signal: null, terminated: false };
  const p = { out, outputs: ['model.pt', 'plans.json'] };

  test.each<[string, AttemptResult, unknown]>([
    ['exit 0 with every output: none', ok, undefined],
    ['exit 2', { ...ok, exitCode: 2 }, { reason: 'exit-non-zero', exitCode: 2 }],
    ['no exit code: the signal', { ...ok, exitCode: null, signal: 'SIGKILL' }, { reason: 'signal', signal: 'SIGKILL' }],
    ['the backend timed it out (its exit status is the kill\'s)', { ...ok, exitCode: null, signal: 'SIGTERM', failure: { reason: 'timeout', timeoutMs: 500 } }, { reason: 'timeout', timeoutMs: 500 }],
    ['a cluster job ended badly', { ...ok, exitCode: 1, failure: { reason: 'cluster-job', jobId: '9', state: 'FAILED', exitCode: 1, message: 'Slurm job 9 FAILED (exit 1)' } },
      { reason: 'cluster-job', jobId: '9', state: 'FAILED', exitCode: 1, message: 'Slurm job 9 FAILED (exit 1)' }],
  ])('%s', (_name, result, failure) => {
    expect(attemptFailure({ out, outputs: ['model.pt'] }, result)).toEqual(failure);
  });

  test('exit 0 but a declared output missing: outputs-missing names it', () => {
    expect(attemptFailure(p, ok)).toEqual({ reason: 'outputs-missing', missing: ['plans.json'] });
  });

  test('a non-zero exit is reported as such even when outputs are missing too', () => {
    expect(attemptFailure(p, { ...ok, exitCode: 1 })).toEqual({ reason: 'exit-non-zero', exitCode: 1 });
  });
});

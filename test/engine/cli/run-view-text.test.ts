/** The header line of status/report and the report's hint, as truth tables over recorded runs. */
import { describe, expect, test } from 'vitest';
import type { RecordedRun } from '../../../src/engine/api/last-run.js';
import type { RunView } from '../../../src/engine/api/run-view.js';
import { reportHint } from '../../../src/engine/cli/report-hint.js';
import { viewHeader } from '../../../src/engine/cli/run-view-text.js';

const run = (over: Partial<RecordedRun> = {}): RecordedRun => ({
  id: 'r1', time: new Date(2026, 10, 28, 21, 4).toISOString(), pipeline: '/p.yaml', command: 'pipe run p.yaml',
  options: { targets: [], overrides: ['params.epochs=3'] }, state: 'ended', exitCode: 0, ...over,
});
const followed = (r: RecordedRun): RunView => ({ source: 'run', overrides: r.options.overrides, run: r });

describe('status/report header', () => {
  test.each<[string, RunView, string]>([
    ['running, with --set', followed(run({ state: 'running' })), 'run 2026-11-28 21:04 (running) with --set params.epochs=3; pipe status --current: the YAML as it now stands'],
    ['finished, no overrides', followed(run({ options: { targets: [], overrides: [] } })), 'run 2026-11-28 21:04 (finished) with no overrides'],
    ['targets and execution flags', followed(run({ exitCode: 1, options: { targets: ['train[fold=1]'], overrides: [], jobs: 2, devices: ['0', '1'], deviceKind: 'cuda' } })), 'run 2026-11-28 21:04 (exit 1) with train[fold=1] --jobs 2 --devices 0,1 --device-kind cuda'],
    ['killed runner', followed(run({ exitCode: 137, options: { targets: [], overrides: [] } })), 'run 2026-11-28 21:04 (its runner was killed) with no overrides'],
    ['--current after a run', { source: 'current', overrides: [], run: run({ exitCode: 130 }) }, 'the YAML as it now stands, not the last run (2026-11-28 21:04, interrupted, with --set params.epochs=3)'],
    ['--set, never ran', { source: 'current', overrides: ['params.epochs=5'] }, 'the YAML as it now stands with --set params.epochs=5 (no run of this file recorded)'],
  ])('%s', (_, view, line) => {
    expect(viewHeader(view, 'status')).toBe(line);
  });
});

describe('report hint', () => {
  test.each<[string, RunView, string | undefined]>([
    ['still running: nothing to start', followed(run({ state: 'running' })), 'the run is still going; pipe status p.yaml shows how far it is'],
    ['interrupted run: resume it', followed(run({ exitCode: 130 })), 'pipe resume p.yaml continues that run (same --set, targets and devices)'],
    ['a run of other targets: run the report with its overrides', followed(run({ options: { targets: ['train'], overrides: ['params.epochs=3'] } })), 'pipe run p.yaml report --set params.epochs=3 builds it with these overrides'],
    ['--current while a run goes: no command that would meet a locked store', { source: 'current', overrides: [], run: run({ state: 'running' }) }, 'a run of p.yaml is still going (pipe status p.yaml); the report of the YAML as it now stands can only be built after it'],
    ['--set view: exactly those overrides', { source: 'current', overrides: ['params.epochs=5'] }, 'pipe run p.yaml --set params.epochs=5 builds it with these overrides'],
  ])('%s', (_, view, hint) => {
    expect(reportHint('p.yaml', view, ['report'])).toBe(hint);
  });
  test('no report stage: no hint', () => {
    expect(reportHint('p.yaml', followed(run()), [])).toBeUndefined();
  });
});

/**
 * The header line of `pipe status` and `pipe report`: which run they describe, with the flags it
 * was started with, e.g. `run 2026-11-28 21:04 (running) with --set params.epochs=3`, or that they
 * look at the YAML as it now stands.
 */
import type { RunOptionsRecord } from '../cache/journal.js';
import type { RecordedRun } from '../api/last-run.js';
import type { RunView } from '../api/run-view.js';
import { isInterruptExit } from '../api/signal-exit.js';

/** `2026-11-28 21:04` in local time. */
export function runTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** The command-line flags of a recorded run: targets, then --set, --jobs, --devices, ... */
export function runFlags(o: RunOptionsRecord): string[] {
  return [
    ...o.targets,
    ...o.overrides.map((s) => `--set ${s}`),
    ...(o.jobs !== undefined ? [`--jobs ${o.jobs}`] : []),
    ...(o.devices !== undefined ? [`--devices ${o.devices.join(',')}`] : []),
    ...(o.deviceKind !== undefined ? [`--device-kind ${o.deviceKind}`] : []),
    ...(o.keepGoing === true ? ['--keep-going'] : []),
  ];
}

function runState(run: RecordedRun): string {
  if (run.state === 'running') return 'running';
  if (run.state === 'stopped') return 'its runner stopped';
  if (isInterruptExit(run.exitCode)) return 'interrupted';
  if (run.exitCode === 137) return 'its runner was killed';
  return run.exitCode === 0 ? 'finished' : `exit ${run.exitCode ?? '?'}`;
}

/** One line naming what the states below it describe; `command` is `status` or `report`. */
export function viewHeader(view: RunView, command: string): string {
  if (view.source === 'run' && view.run !== undefined) {
    const flags = runFlags(view.run.options);
    const how = flags.length > 0 ? `with ${flags.join(' ')}` : 'with no overrides';
    const hint = view.overrides.length > 0 ? `; pipe ${command} --current: the YAML as it now stands` : '';
    return `run ${runTime(view.run.time)} (${runState(view.run)}) ${how}${hint}`;
  }
  const set = view.overrides.length > 0 ? ` with ${view.overrides.map((s) => `--set ${s}`).join(' ')}` : '';
  if (view.run === undefined) return `the YAML as it now stands${set} (no run of this file recorded)`;
  const flags = runFlags(view.run.options);
  return `the YAML as it now stands${set}, not the last run (${runTime(view.run.time)}, ${runState(view.run)}${flags.length > 0 ? `, with ${flags.join(' ')}` : ''})`;
}

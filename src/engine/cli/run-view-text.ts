/**
 * The header line of `pipe status` and `pipe report`: which run they describe, with the flags it
 * was started with, e.g. `run 2026-11-28 21:04 (running) with --set params.epochs=3`, or that they
 * look at the YAML as it now stands.
 */
import type { RunOptionsRecord } from '../cache/journal.js';
import type { RecordedRun } from '../api/last-run.js';
import type { RunView } from '../api/run-view.js';
import { isInterruptExit } from '../api/signal-exit.js';
import type { InstanceStatus } from '../log/instance-status.js';

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

/**
 * The jobs a run left with the cluster (`--detach`, or a runner that died): how many are queued or running, and
 * how many ended while no pipe followed them. A run that exited 0 with jobs left is not finished.
 */
export interface LeftJobs {
  readonly open: number;
  readonly ended: number;
}

/** Counts them in a status: an instance keeps its job id while no run has finished with that job. */
export function leftJobs(stages: readonly InstanceStatus[]): LeftJobs {
  const withJob = stages.filter((s) => s.jobId !== undefined);
  const open = withJob.filter((s) => s.state === 'queued' || s.state === 'running').length;
  return { open, ended: withJob.filter((s) => s.state === 'interrupted').length };
}

function runState(run: RecordedRun, left: LeftJobs): string {
  if (run.state === 'ended' && run.exitCode === 0 && left.open + left.ended > 0) {
    return left.open > 0 ? `submitted: ${left.open} Slurm job(s) open` : 'submitted: its Slurm jobs ended; pipe resume commits their outputs';
  }
  if (run.state === 'running') return 'running';
  if (run.state === 'stopped') return 'its runner stopped';
  if (isInterruptExit(run.exitCode)) return 'interrupted';
  if (run.exitCode === 137) return 'its runner was killed';
  return run.exitCode === 0 ? 'finished' : `exit ${run.exitCode ?? '?'}`;
}

/** One line naming what the states below it describe; `command` is `status` or `report`. */
export function viewHeader(view: RunView, command: string, left: LeftJobs = { open: 0, ended: 0 }): string {
  if (view.source === 'run' && view.run !== undefined) {
    const flags = runFlags(view.run.options);
    const how = flags.length > 0 ? `with ${flags.join(' ')}` : 'with no overrides';
    const hint = view.overrides.length > 0 ? `; pipe ${command} --current: the YAML as it now stands` : '';
    return `run ${runTime(view.run.time)} (${runState(view.run, left)}) ${how}${hint}`;
  }
  const set = view.overrides.length > 0 ? ` with ${view.overrides.map((s) => `--set ${s}`).join(' ')}` : '';
  if (view.run === undefined) return `the YAML as it now stands${set} (no run of this file recorded)`;
  const flags = runFlags(view.run.options);
  return `the YAML as it now stands${set}, not the last run (${runTime(view.run.time)}, ${runState(view.run, left)}${flags.length > 0 ? `, with ${flags.join(' ')}` : ''})`;
}

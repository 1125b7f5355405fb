/** How `pipe runs` and `pipe compare` write a run: its short id, start, duration, state with counts, executor, overrides. */
import type { RunEntry, RunInstanceOutcome } from '../api/run-history.js';
import { INSTANCE_OUTCOMES } from '../api/run-history.js';
import { progressText } from '../log/progress-text.js';
import { formatDuration } from '../../util/duration.js';

const two = (n: number): string => String(n).padStart(2, '0');

/** Local time, to the second: `2026-05-01 12:00:07`. */
export function localTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** `finished (7 ran, 6 cached)`, `interrupted: its runner died (2 ran, 1 interrupted)`. */
export function stateText(run: RunEntry): string {
  const counts = INSTANCE_OUTCOMES.filter((o) => run.counts[o] > 0).map((o: RunInstanceOutcome) => `${run.counts[o]} ${o}`);
  return `${run.state}${run.note !== undefined ? `: ${run.note}` : ''}${counts.length > 0 ? ` (${counts.join(', ')})` : ''}`;
}

/** `--set params.epochs=20 targets train`, or `no --set`. */
export function overridesText(run: RunEntry): string {
  const parts = run.options.overrides.map((o) => `--set ${o}`);
  if (run.options.targets.length > 0) parts.push(`targets ${run.options.targets.join(' ')}`);
  return parts.length === 0 ? 'no --set' : parts.join(' ');
}

export const durationText = (run: RunEntry): string => formatDuration(run.durationMs);

/** Lines under a run: what runs now (with its progress), what failed (with its error and log). */
export function detailLines(run: RunEntry): string[] {
  const lines: string[] = [];
  for (const i of run.instances) {
    if (i.outcome === 'running') lines.push(`running ${i.stage}${i.progress !== undefined ? `: ${progressText(i.progress)}` : ''}`);
    else if (i.outcome === 'failed') lines.push(`failed ${i.stage}: ${(i.error ?? 'failed').split('\n')[0]}${i.logLine !== undefined ? `: ${i.logLine}` : ''}${i.log !== undefined ? `; log ${i.log}` : ''}`);
    else if (i.outcome === 'submitted') lines.push(`submitted ${i.stage}${i.jobId !== undefined ? ` (Slurm job ${i.jobId})` : ''}`);
  }
  return lines;
}

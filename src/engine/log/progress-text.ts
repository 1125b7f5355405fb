/**
 * Formats a progress record: `epoch 412/1000 loss -0.81 dice 0.93 4.1 samples/s ETA 7h12m`, or with progress
 * inside the unit in hand `case 2/5 tiles 40/216 liver_3 ETA 1h12m`.
 */
import type { Progress, ProgressWithin } from '../../stage-api/types.js';
import { formatDuration } from '../../util/duration.js';

function num(v: number): string {
  return Math.abs(v) >= 100 || Number.isInteger(v) ? String(Math.round(v * 100) / 100) : v.toPrecision(2);
}

/** The ETA in ms: the stage's own estimate when it gives one, else the units left at `rate`. */
function etaMs(p: Progress, rate: number | undefined): number | undefined {
  if (typeof p.remainingSeconds === 'number' && Number.isFinite(p.remainingSeconds)) return p.remainingSeconds > 0 ? p.remainingSeconds * 1000 : undefined;
  if (rate !== undefined && rate > 0 && p.total !== undefined && p.total > p.done) return (p.total - p.done) / rate;
  return undefined;
}

/** A shell stage may print anything: only a well-formed `within` is shown. */
function withinText(w: ProgressWithin | undefined): string | undefined {
  if (w === null || typeof w !== 'object' || typeof w.done !== 'number' || typeof w.total !== 'number' || typeof w.unit !== 'string') return undefined;
  return `${w.unit} ${w.done}/${w.total}`;
}

/** @param rate units per ms since the first progress of this attempt (for the ETA), if known. */
export function progressText(p: Progress, rate?: number): string {
  const parts = [`${p.unit} ${p.done}${p.total !== undefined ? `/${p.total}` : ''}`];
  const within = withinText(p.within);
  if (within !== undefined) parts.push(within);
  for (const [k, v] of Object.entries(p.values ?? {})) {
    // NaN (a Dice with no validation batches) arrives as JSON null: left out, never thrown on in the runner.
    if (typeof v !== 'number' || !Number.isFinite(v)) continue;
    if (k === 'samplesPerSecond') parts.push(`${num(v)} samples/s`);
    else parts.push(`${k} ${num(v)}`);
  }
  if (p.message) parts.push(p.message);
  const eta = etaMs(p, rate);
  if (eta !== undefined) parts.push(`ETA ${formatDuration(eta)}`);
  return parts.join(' ');
}

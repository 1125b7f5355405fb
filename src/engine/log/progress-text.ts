/** Formats a progress record: `epoch 412/1000 loss -0.81 dice 0.93 4.1 samples/s ETA 7h12m`. */
import type { Progress } from '../../stage-api/types.js';
import { formatDuration } from '../../util/duration.js';

function num(v: number): string {
  return Math.abs(v) >= 100 || Number.isInteger(v) ? String(Math.round(v * 100) / 100) : v.toPrecision(2);
}

/** @param rate units per ms since the first progress of this attempt (for the ETA), if known. */
export function progressText(p: Progress, rate?: number): string {
  const parts = [`${p.unit} ${p.done}${p.total !== undefined ? `/${p.total}` : ''}`];
  for (const [k, v] of Object.entries(p.values ?? {})) {
    if (k === 'samplesPerSecond') parts.push(`${num(v)} samples/s`);
    else parts.push(`${k} ${num(v)}`);
  }
  if (p.message) parts.push(p.message);
  if (rate !== undefined && rate > 0 && p.total !== undefined && p.total > p.done) parts.push(`ETA ${formatDuration((p.total - p.done) / rate)}`);
  return parts.join(' ');
}

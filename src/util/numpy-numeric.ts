/** numpy-compatible helpers the planner relies on (percentile, median, round, argmax). */

/** numpy.percentile(values, q) with the default linear interpolation. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const t = pos - lo;
  const a = sorted[lo] as number;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)] as number;
  // numpy's _lerp switches to the symmetric form for t >= 0.5.
  return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
}

/** Per-axis percentile of rows (np.percentile(np.vstack(rows), q, 0)). */
export function percentileRows(rows: readonly (readonly number[])[], q: number): number[] {
  const dims = rows[0]?.length ?? 0;
  return Array.from({ length: dims }, (_, a) => percentile(rows.map((r) => r[a] as number), q));
}

/** Per-axis median (np.median(np.vstack(rows), 0)): the mean of the two middle values for even counts. */
export function medianRows(rows: readonly (readonly number[])[]): number[] {
  const dims = rows[0]?.length ?? 0;
  return Array.from({ length: dims }, (_, a) => {
    const v = rows.map((r) => r[a] as number).sort((x, y) => x - y);
    const m = v.length >> 1;
    return v.length % 2 === 1 ? (v[m] as number) : ((v[m - 1] as number) + (v[m] as number)) / 2;
  });
}

/** np.round: half to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** np.argmax: the first index of the largest value. */
export function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if ((values[i] as number) > (values[best] as number)) best = i;
  return best;
}

export function product(values: readonly number[]): number {
  return values.reduce((p, v) => p * v, 1);
}

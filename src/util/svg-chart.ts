/**
 * A small hand-written SVG chart renderer (no plotting dependency): linear axes with "nice"
 * ticks, an optional right axis, line / dot / bar series with error bars, horizontal reference
 * lines and a legend. Produces standalone `<svg>` text usable inline in HTML or as a file.
 * Deliberately not a general plotting library: only what the report and progress plot need.
 */

export type Axis = 'left' | 'right';

export interface Point {
  readonly x: number;
  /** null or NaN leaves a gap (lines) or nothing (dots, bars). */
  readonly y: number | null;
  /** Tooltip text (SVG <title>). */
  readonly label?: string;
  /** Error bar half-length in y units (bars and dots). */
  readonly error?: number | null;
}

export interface Series {
  readonly name: string;
  readonly kind: 'line' | 'dots' | 'bars';
  readonly points: readonly Point[];
  readonly color: string;
  readonly axis?: Axis;
  /** stroke-dasharray, e.g. "8 5" for dashed. */
  readonly dash?: string;
  readonly strokeWidth?: number;
  /** Bar width in x units. */
  readonly barWidth?: number;
  /** Leave out of the legend. */
  readonly hideInLegend?: boolean;
}

export interface ReferenceLine {
  readonly y: number;
  readonly color: string;
  readonly axis?: Axis;
  readonly dash?: string;
  readonly label?: string;
  /** Limit to an x range (default: whole width). */
  readonly x0?: number;
  readonly x1?: number;
}

export interface ChartSpec {
  /** Stable identifier written as `data-plot`, so tests and pages can find the plot. */
  readonly id: string;
  readonly title: string;
  readonly width: number;
  readonly height: number;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly y2Label?: string;
  readonly xDomain?: readonly [number, number];
  readonly yDomain?: readonly [number, number];
  readonly y2Domain?: readonly [number, number];
  /** Categorical x ticks (value -> text); default numeric ticks. */
  readonly xTicks?: readonly { readonly value: number; readonly label: string }[];
  readonly series: readonly Series[];
  readonly lines?: readonly ReferenceLine[];
  /** Base font size in px (default 12). */
  readonly fontSize?: number;
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const isNum = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

/** About `count` round tick values covering [min, max] (steps 1, 2, 2.5, 5 x 10^k). */
export function niceTicks(min: number, max: number, count = 6): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / Math.max(1, count - 1);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step - 1e-9) * step; v <= max + step * 1e-9; v += step) {
    ticks.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  }
  return ticks;
}

/** Expands [min, max] of the data to round limits (and a non-empty range). */
export function niceDomain(values: readonly number[], fallback: readonly [number, number] = [0, 1]): [number, number] {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return [fallback[0], fallback[1]];
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  if (lo === hi) {
    const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
    lo -= pad;
    hi += pad;
  }
  const ticks = niceTicks(lo, hi);
  const step = ticks.length > 1 ? ticks[1]! - ticks[0]! : (hi - lo) / 5;
  return [Math.floor(lo / step + 1e-9) * step, Math.ceil(hi / step - 1e-9) * step];
}

function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(6)));
}

const fmt = (n: number): string => (Math.round(n * 100) / 100).toString();

/** Renders a chart to standalone SVG text. */
export function renderChart(spec: ChartSpec): string {
  const font = spec.fontSize ?? 12;
  const hasRight = spec.series.some((s) => s.axis === 'right') || spec.y2Label !== undefined;
  const legendItems = spec.series.filter((s) => !s.hideInLegend);
  const legendRows = Math.ceil(legendItems.length / Math.max(1, Math.floor((spec.width - 40) / 170)));
  const margin = {
    left: 6 + font * 5.2,
    right: hasRight ? 6 + font * 5.2 : 20,
    top: font * 2.6,
    bottom: font * 4 + legendRows * font * 1.6,
  };
  const plotW = spec.width - margin.left - margin.right;
  const plotH = spec.height - margin.top - margin.bottom;

  const xs = spec.series.flatMap((s) => s.points.map((p) => p.x));
  const ysFor = (axis: Axis) =>
    spec.series
      .filter((s) => (s.axis ?? 'left') === axis)
      .flatMap((s) => s.points.flatMap((p) => (isNum(p.y) ? [p.y - (p.error ?? 0), p.y + (p.error ?? 0)] : [])))
      .concat((spec.lines ?? []).filter((l) => (l.axis ?? 'left') === axis).map((l) => l.y));
  const xDomain = spec.xDomain ?? (xs.length > 0 ? [Math.min(...xs), Math.max(...xs)] : [0, 1]);
  const xd: [number, number] = xDomain[1] > xDomain[0] ? [xDomain[0], xDomain[1]] : [xDomain[0] - 0.5, xDomain[0] + 0.5];
  const yd = spec.yDomain ?? niceDomain(ysFor('left'));
  const y2d = spec.y2Domain ?? niceDomain(ysFor('right'));

  const sx = (x: number) => margin.left + ((x - xd[0]) / (xd[1] - xd[0])) * plotW;
  const syFor = (axis: Axis | undefined) => {
    const d = axis === 'right' ? y2d : yd;
    return (y: number) => margin.top + plotH - ((y - d[0]) / (d[1] - d[0])) * plotH;
  };
  const sy = syFor('left');
  const sy2 = syFor('right');

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${spec.width}" height="${spec.height}" viewBox="0 0 ${spec.width} ${spec.height}" ` +
      `data-plot="${escapeXml(spec.id)}" role="img" aria-label="${escapeXml(spec.title)}" ` +
      `font-family="Helvetica, Arial, sans-serif" font-size="${font}">`,
  );
  out.push(`<title>${escapeXml(spec.title)}</title>`);
  out.push(`<rect x="0" y="0" width="${spec.width}" height="${spec.height}" fill="#ffffff"/>`);
  out.push(
    `<text x="${fmt(spec.width / 2)}" y="${fmt(font * 1.6)}" text-anchor="middle" font-size="${fmt(font * 1.25)}" font-weight="bold">${escapeXml(spec.title)}</text>`,
  );
  // Grid and axes.
  const left = margin.left;
  const right = margin.left + plotW;
  const top = margin.top;
  const bottom = margin.top + plotH;
  out.push('<g class="grid" stroke="#e5e5e5" stroke-width="1">');
  for (const t of niceTicks(yd[0], yd[1])) out.push(`<line x1="${fmt(left)}" x2="${fmt(right)}" y1="${fmt(sy(t))}" y2="${fmt(sy(t))}"/>`);
  out.push('</g>');
  out.push(`<rect x="${fmt(left)}" y="${fmt(top)}" width="${fmt(plotW)}" height="${fmt(plotH)}" fill="none" stroke="#333"/>`);

  const xTicks = spec.xTicks ?? niceTicks(xd[0], xd[1]).map((v) => ({ value: v, label: formatTick(v) }));
  out.push('<g class="x-axis" text-anchor="middle">');
  for (const t of xTicks) {
    if (t.value < xd[0] - 1e-9 || t.value > xd[1] + 1e-9) continue;
    const x = fmt(sx(t.value));
    out.push(`<line x1="${x}" x2="${x}" y1="${fmt(bottom)}" y2="${fmt(bottom + 5)}" stroke="#333"/>`);
    out.push(`<text x="${x}" y="${fmt(bottom + 5 + font)}">${escapeXml(t.label)}</text>`);
  }
  out.push(`<text x="${fmt(left + plotW / 2)}" y="${fmt(bottom + 5 + font * 2.4)}">${escapeXml(spec.xLabel)}</text>`);
  out.push('</g>');
  const yAxis = (axis: Axis, d: readonly [number, number], scale: (y: number) => number, label: string) => {
    const x = axis === 'left' ? left : right;
    const dir = axis === 'left' ? -1 : 1;
    out.push(`<g class="y-axis-${axis}" text-anchor="${axis === 'left' ? 'end' : 'start'}">`);
    for (const t of niceTicks(d[0], d[1])) {
      const y = fmt(scale(t));
      out.push(`<line x1="${fmt(x)}" x2="${fmt(x + dir * 5)}" y1="${y}" y2="${y}" stroke="#333"/>`);
      out.push(`<text x="${fmt(x + dir * 7)}" y="${y}" dy="0.35em">${escapeXml(formatTick(t))}</text>`);
    }
    const lx = axis === 'left' ? font * 1.2 : spec.width - font * 0.8;
    const ly = top + plotH / 2;
    out.push(
      `<text x="${fmt(lx)}" y="${fmt(ly)}" text-anchor="middle" transform="rotate(-90 ${fmt(lx)} ${fmt(ly)})">${escapeXml(label)}</text>`,
    );
    out.push('</g>');
  };
  yAxis('left', yd, sy, spec.yLabel);
  if (hasRight) yAxis('right', y2d, sy2, spec.y2Label ?? '');

  // Clip series to the plot area.
  const clipId = `clip-${spec.id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  out.push(`<clipPath id="${clipId}"><rect x="${fmt(left)}" y="${fmt(top)}" width="${fmt(plotW)}" height="${fmt(plotH)}"/></clipPath>`);
  out.push(`<g clip-path="url(#${clipId})">`);
  for (const line of spec.lines ?? []) {
    const scale = line.axis === 'right' ? sy2 : sy;
    const x0 = fmt(line.x0 === undefined ? left : sx(line.x0));
    const x1 = fmt(line.x1 === undefined ? right : sx(line.x1));
    out.push(
      `<line class="reference" x1="${x0}" x2="${x1}" y1="${fmt(scale(line.y))}" y2="${fmt(scale(line.y))}" stroke="${line.color}" stroke-width="1.5"${line.dash === undefined ? '' : ` stroke-dasharray="${line.dash}"`}>` +
        `${line.label === undefined ? '' : `<title>${escapeXml(line.label)}</title>`}</line>`,
    );
  }
  for (const s of spec.series) {
    const scale = s.axis === 'right' ? sy2 : sy;
    const dash = s.dash === undefined ? '' : ` stroke-dasharray="${s.dash}"`;
    out.push(`<g class="series series-${s.kind}" data-series="${escapeXml(s.name)}">`);
    if (s.kind === 'line') {
      let d = '';
      let pen = false;
      for (const p of s.points) {
        if (!isNum(p.y)) {
          pen = false;
          continue;
        }
        d += `${pen ? 'L' : 'M'}${fmt(sx(p.x))},${fmt(scale(p.y))}`;
        pen = true;
      }
      if (d !== '') {
        out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="${s.strokeWidth ?? 2}"${dash} stroke-linejoin="round"/>`);
      }
    }
    for (const p of s.points) {
      if (!isNum(p.y)) continue;
      const cx = sx(p.x);
      const cy = scale(p.y);
      const tip = p.label === undefined ? '' : `<title>${escapeXml(p.label)}</title>`;
      if (s.kind === 'dots') {
        out.push(`<circle cx="${fmt(cx)}" cy="${fmt(cy)}" r="3.5" fill="${s.color}" fill-opacity="0.75" stroke="#fff" stroke-width="0.5">${tip}</circle>`);
      } else if (s.kind === 'bars') {
        const w = ((s.barWidth ?? 0.8) / (xd[1] - xd[0])) * plotW;
        const base = scale(Math.max(s.axis === 'right' ? y2d[0] : yd[0], 0));
        out.push(
          `<rect x="${fmt(cx - w / 2)}" y="${fmt(Math.min(cy, base))}" width="${fmt(w)}" height="${fmt(Math.abs(base - cy))}" fill="${s.color}">${tip}</rect>`,
        );
      }
      if (isNum(p.error ?? null) && s.kind !== 'line') {
        const e = p.error!;
        const cap = 4;
        out.push(
          `<path d="M${fmt(cx)},${fmt(scale(p.y - e))}V${fmt(scale(p.y + e))}M${fmt(cx - cap)},${fmt(scale(p.y - e))}H${fmt(cx + cap)}M${fmt(cx - cap)},${fmt(scale(p.y + e))}H${fmt(cx + cap)}" stroke="#222" stroke-width="1.2" fill="none"/>`,
        );
      }
    }
    out.push('</g>');
  }
  out.push('</g>');

  // Legend, below the x label.
  const perRow = Math.max(1, Math.floor((spec.width - 40) / 170));
  out.push('<g class="legend">');
  legendItems.forEach((s, i) => {
    const x = 20 + (i % perRow) * 170;
    const y = bottom + font * 4 + Math.floor(i / perRow) * font * 1.6;
    const dash = s.dash === undefined ? '' : ` stroke-dasharray="${s.dash}"`;
    const swatch =
      s.kind === 'line'
        ? `<line x1="${x}" x2="${x + 26}" y1="${fmt(y)}" y2="${fmt(y)}" stroke="${s.color}" stroke-width="2.5"${dash}/>`
        : s.kind === 'dots'
          ? `<circle cx="${x + 13}" cy="${fmt(y)}" r="4" fill="${s.color}"/>`
          : `<rect x="${x + 5}" y="${fmt(y - 6)}" width="16" height="12" fill="${s.color}"/>`;
    out.push(`${swatch}<text x="${x + 32}" y="${fmt(y)}" dy="0.35em">${escapeXml(s.name)}</text>`);
  });
  out.push('</g>');
  out.push('</svg>');
  return out.join('\n');
}

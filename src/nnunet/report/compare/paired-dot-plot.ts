/**
 * The paired dot plot of one label: a column per validation case both runs share (sorted by id),
 * the baseline's and the other run's Dice as dots, joined by a segment coloured by which is higher.
 * Drawn with util/svg-chart.ts.
 */
import { niceDomain, renderChart, type Series } from '../../../util/svg-chart.js';
import type { LabelVersus } from './report-comparison.js';

const BASELINE = '#1f77b4';
const OTHER = '#ff7f0e';
const BETTER = '#2ca02c';
const WORSE = '#d62728';
const EQUAL = '#999999';
/** With more cases than this, only every k-th case id is written under the axis. */
const MAX_TICK_LABELS = 30;

export function pairedDotPlotSvg(labelName: string, v: LabelVersus, id: string): string {
  const cases = v.cases;
  const joins: Series[] = cases.map((c, i) => ({
    name: c.id,
    kind: 'line',
    hideInLegend: true,
    strokeWidth: 1.5,
    color: c.other > c.baseline ? BETTER : c.other < c.baseline ? WORSE : EQUAL,
    points: [{ x: i, y: c.baseline }, { x: i, y: c.other }],
  }));
  const dots = (run: string, color: string, pick: (c: (typeof cases)[number]) => number): Series => ({
    name: run,
    kind: 'dots',
    color,
    points: cases.map((c, i) => ({ x: i, y: pick(c), label: `${c.id}: ${run} ${pick(c).toFixed(2)} (${v.baseline} ${c.baseline.toFixed(2)}, ${v.run} ${c.other.toFixed(2)})` })),
  });
  const legendOnly = (name: string, color: string): Series => ({ name, kind: 'line', color, points: [] });
  const step = Math.max(1, Math.ceil(cases.length / MAX_TICK_LABELS));
  const values = cases.flatMap((c) => [c.baseline, c.other]);
  // Values that hardly differ (every Dice 0 for a label not yet learned) still get a readable axis.
  const spread = Math.max(...values) - Math.min(...values);
  const [lo, hi] = spread < 2 ? [Math.min(...values) - 5, Math.max(...values) + 5] : niceDomain(values, [0, 100]);
  return renderChart({
    id,
    title: `${labelName}: Dice per case, ${v.baseline} and ${v.run}`,
    width: Math.max(640, Math.min(1400, 120 + cases.length * 22)),
    height: 380,
    xLabel: `validation case (${cases.length} shared)`,
    yLabel: 'Dice (%)',
    xDomain: [-0.7, Math.max(0, cases.length - 1) + 0.7],
    yDomain: [Math.max(0, lo), Math.min(100, hi)],
    xTicks: cases.flatMap((c, i) => (i % step === 0 ? [{ value: i, label: c.id.replace(/^.*_/, '') }] : [])),
    series: [...joins, dots(v.baseline, BASELINE, (c) => c.baseline), dots(v.run, OTHER, (c) => c.other), legendOnly(`${v.run} higher`, BETTER), legendOnly(`${v.run} lower`, WORSE)],
  });
}

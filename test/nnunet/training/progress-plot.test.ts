import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { progressPlotSvg, writeProgressPlot } from '../../../src/nnunet/training/progress-plot.js';
import { niceTicks } from '../../../src/util/svg-chart.js';
import type { EpochRecord } from '../../../src/nnunet/report/types.js';
import { hasPython, runPython } from '../evaluation/python-helper.js';
import { history } from '../report/fixtures.js';

/** The path data of a series' line. */
function seriesPath(svg: string, name: string): string | undefined {
  const g = svg.split(`data-series="${name}"`)[1];
  return g?.match(/<path d="([^"]+)"/)?.[1];
}

describe('progressPlotSvg', () => {
  it('draws train loss and val loss on the left axis and the online Dice dashed on the right axis', () => {
    const svg = progressPlotSvg(history(0, 25), { classNames: ['liver', 'cancer'] });
    expect(svg).toMatch(/^<svg [^>]*data-plot="progress"/);
    for (const name of ['train loss', 'val loss', 'pseudo Dice (online)', 'pseudo Dice liver', 'pseudo Dice cancer']) {
      // one point per epoch: M + 24 L
      expect(seriesPath(svg, name)?.match(/[ML]/g), name).toHaveLength(25);
    }
    expect(svg).toMatch(/data-series="pseudo Dice \(online\)">\n<path [^>]*stroke="#2ca02c"[^>]*stroke-dasharray="8 5"/);
    expect(svg).toMatch(/data-series="train loss">\n<path [^>]*stroke="#1f77b4"/);
    expect(svg).toMatch(/data-series="val loss">\n<path [^>]*stroke="#d62728"/);
    expect(svg).toContain('class="y-axis-right"');
    expect(svg).toContain('>evaluation metric (pseudo Dice)</text>');
    expect(svg).toContain('>epoch</text>');
  });

  it('maps a higher Dice higher up and leaves gaps for NaN epochs', () => {
    const epochs: EpochRecord[] = [0, 1, 2, 3].map((e) => ({
      epoch: e,
      trainLoss: 1 - e * 0.1,
      valLoss: e === 2 ? NaN : 1,
      pseudoDice: e * 0.25,
      lr: 0.01,
      seconds: 1,
    }));
    const svg = progressPlotSvg(epochs);
    const dice = seriesPath(svg, 'pseudo Dice (online)')!;
    const ys = [...dice.matchAll(/[ML][\d.]+,([\d.]+)/g)].map((m) => Number(m[1]));
    expect(ys).toHaveLength(4);
    expect(ys[0]).toBeGreaterThan(ys[3]!); // SVG y grows downwards
    expect(seriesPath(svg, 'val loss')!.match(/M/g)).toHaveLength(2); // the NaN epoch splits the line
  });

  it.runIf(hasPython)('writes a well-formed SVG file atomically', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pipe-progress-'));
    try {
      const path = join(dir, 'progress.svg');
      await writeProgressPlot(path, history(1, 10), { title: 'fold 1 <&>' });
      const text = await readFile(path, 'utf8');
      expect(text).toContain('fold 1 &lt;&amp;&gt;');
      expect(runPython(['-c', 'import sys, xml.etree.ElementTree as ET; print(ET.parse(sys.argv[1]).getroot().get("data-plot"))', path]).trim()).toBe(
        'progress',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('niceTicks', () => {
  it('picks round steps covering the range', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(-1, 0.5)).toEqual([-1, -0.5, 0, 0.5]);
    expect(niceTicks(0, 999)).toEqual([0, 200, 400, 600, 800]);
    expect(niceTicks(3, 3)).toEqual([3]);
  });
});

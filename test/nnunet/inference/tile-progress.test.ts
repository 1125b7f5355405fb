// Tile progress of sliding-window inference: the tile count TS computes from a shape (for the stage-wide ETA) is
// the count the native runtime actually predicts, for odd shapes and shapes smaller than the patch; the runtime
// reports 0 first and its total last, never backwards; and the ETA spreads the time measured so far over the
// tiles left in the stage, across cases.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { addonAvailable, casesFromPreprocessed, predictVolume, trainModel } from '../../../src/native/addon/index.js';
import type { NetworkPlan, TileProgress } from '../../../src/native/addon/index.js';
import { TileEta, tileCount, tileStartsCount } from '../../../src/nnunet/inference/tile-progress.js';
import { writePhantomDataset } from '../../native/helpers/phantom.js';

describe('tile count', () => {
  it('follows nnU-Net\'s sliding-window starts per axis', () => {
    expect(tileStartsCount(110, 64, 0.5)).toBe(3); // 0, 23, 46
    expect(tileStartsCount(482, 128, 0.5)).toBe(7);
    expect(tileStartsCount(512, 128, 0.5)).toBe(7);
    expect(tileStartsCount(64, 64, 0.5)).toBe(1);
    expect(tileStartsCount(65, 64, 0.5)).toBe(2);
    expect(tileStartsCount(20, 64, 0.5)).toBe(1); // padded to the patch
    expect(tileStartsCount(100, 16, 1)).toBe(7);
  });
  it('is the product over the axes', () => {
    expect(tileCount([880, 512, 512], [128, 128, 128], 0.5)).toBe(13 * 7 * 7);
    expect(tileCount([5, 7, 9], [16, 16, 16], 0.5)).toBe(1);
  });
  it('refuses a step outside (0, 1] and a shape of the wrong rank', () => {
    expect(() => tileCount([10, 10, 10], [4, 4, 4], 0)).toThrow(/step/);
    expect(() => tileCount([10, 10, 10], [4, 4, 4], 1.5)).toThrow(/step/);
    expect(() => tileCount([10, 10], [4, 4, 4], 0.5)).toThrow(/3 axes/);
  });
});

describe('stage-wide ETA', () => {
  it('spreads the time measured so far over the tiles left in the stage', () => {
    let t = 0;
    const eta = new TileEta([10, 20], () => t);
    expect(eta.tilesLeft()).toBe(30);
    eta.startCase(0);
    expect(eta.remainingSeconds()).toBeUndefined(); // nothing measured yet
    t = 10_000;
    eta.tiles(5, 10);
    expect(eta.tilesLeft()).toBe(25);
    expect(eta.remainingSeconds()).toBeCloseTo(25 * 2, 6); // 2 s per tile
    t = 20_000;
    eta.tiles(10, 10);
    eta.finishCase();
    eta.startCase(1);
    t = 30_000;
    eta.tiles(5, 20); // 15 tiles in 30 s
    expect(eta.remainingSeconds()).toBeCloseTo(15 * 2, 6);
    eta.finishCase();
    expect(eta.tilesLeft()).toBe(0);
    expect(eta.remainingSeconds()).toBe(0);
  });
  it('takes the runtime\'s total when it differs from the planned count (an estimate before preprocessing)', () => {
    let t = 0;
    const eta = new TileEta([100, 100], () => t);
    eta.startCase(0);
    t = 1000;
    eta.tiles(0, 8); // this case has 8 tiles, not 100
    expect(eta.tilesLeft()).toBe(108);
    eta.tiles(4, 8);
    expect(eta.tilesLeft()).toBe(104);
    expect(eta.remainingSeconds()).toBeCloseTo(104 * (1 / 4), 6);
  });
  it('counts a case predicted in several passes (an ensemble of folds) as one', () => {
    let t = 0;
    const eta = new TileEta([2 * 6], () => t);
    eta.startCase(0);
    t = 6000;
    eta.tiles(6, 12); // the first fold's 6 tiles
    expect(eta.remainingSeconds()).toBeCloseTo(6, 6);
  });
});

const network: NetworkPlan = {
  inChannels: 1,
  numClasses: 3,
  baseFeatures: 4,
  maxFeatures: 8,
  poolKernels: [[2, 2, 2], [2, 2, 2]],
  convKernels: [[3, 3, 3], [3, 3, 3], [3, 3, 3]],
};

describe.runIf(addonAvailable() || Boolean(process.env['CI']))('against the native runtime', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pipe-tiles-'));
  let checkpoint = '';
  beforeAll(async () => {
    writePhantomDataset(dir, ['a'], 16, 2);
    const cases = await casesFromPreprocessed(dir, ['a']);
    mkdirSync(join(dir, 'run'));
    const r = await trainModel({ network, trainCases: cases, outDir: join(dir, 'run'), patchSize: [8, 16, 12], epochs: 1,
      iterationsPerEpoch: 1, valIterations: 0, threads: 1, seed: 1, checkpointEvery: 0 });
    checkpoint = r.finalCheckpoint ?? '';
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const shapes: [number, number, number][] = [[5, 7, 9], [8, 16, 12], [9, 17, 13], [21, 33, 50], [3, 40, 11]];
  for (const step of [0.5, 0.3, 1]) {
    it(`reports the count TS computes, 0 first and the total last (step ${step})`, async () => {
      for (const shape of shapes) {
        const events: TileProgress[] = [];
        const volume = new Float32Array(shape[0] * shape[1] * shape[2]).map((_, i) => Math.sin(i));
        const p = await predictVolume({ checkpoint, volume, shape: [1, ...shape], step, mirror: false, threads: 1, tileBatch: 2 },
          { onTiles: (e) => events.push(e) });
        expect(p.shape).toEqual([3, ...shape]);
        const expected = tileCount(shape, [8, 16, 12], step);
        expect(events[0], `shape ${shape.join('x')}`).toEqual({ done: 0, total: expected });
        expect(events[events.length - 1], `shape ${shape.join('x')}`).toEqual({ done: expected, total: expected });
        events.slice(1).forEach((e, i) => expect(e.done).toBeGreaterThanOrEqual(events[i]?.done ?? Infinity));
      }
    });
  }
});

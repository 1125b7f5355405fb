/**
 * A training fold's ETA on a synthetic timeline (issue 14, item 9): iterations left × recent time
 * per iteration, validation included, so it falls steadily to the end instead of rising through the
 * last epoch (5.8 s at iteration 6/20 -> 9.3 s at 20/20 with a rate of finished epochs).
 */
import { describe, expect, test } from 'vitest';
import { TrainingEta } from '../../../src/nnunet/training/eta.js';
import { progressText } from '../../../src/engine/log/progress-text.js';

interface Sample {
  readonly at: number;
  readonly epoch: number;
  readonly iteration: number;
  readonly eta: number | undefined;
}

/**
 * Drives a TrainingEta through `epochs` epochs of `ipe` iterations of `iterMs(epoch, i)` ms, each epoch
 * followed by a validation of `valMs` ms; returns the estimate after every record and the end time.
 */
function timeline(epochs: number, ipe: number, valMs: number, iterMs: (epoch: number, i: number) => number, valIterations = 10) {
  let t = 1000; // setup before the first iteration is not an iteration
  const eta = new TrainingEta({ epochs, iterationsPerEpoch: ipe, valIterations }, () => t);
  const samples: Sample[] = [];
  for (let e = 0; e < epochs; e++) {
    for (let i = 1; i <= ipe; i++) {
      t += iterMs(e, i);
      eta.iteration(i);
      samples.push({ at: t, epoch: e, iteration: i, eta: eta.remainingSeconds(e, i) });
    }
    t += valMs;
    eta.epochEnd();
    samples.push({ at: t, epoch: e + 1, iteration: 0, eta: eta.remainingSeconds(e + 1, 0) });
  }
  return { samples, end: t };
}

describe('training ETA', () => {
  test('at a steady speed it is the true time left once a validation was timed, falling to 0', () => {
    // 20 epochs x 20 iterations of 0.3 s, validation 0.6 s: the last epoch.
    const { samples, end } = timeline(20, 20, 600, () => 300);
    expect(samples[0]?.eta).toBeUndefined(); // one record: no iteration time yet
    const known = samples.slice(1);
    for (const s of known.filter((x) => x.epoch >= 1)) expect(s.eta).toBeCloseTo((end - s.at) / 1000, 6);
    const last = known.filter((s) => s.epoch === 19);
    expect(last.find((s) => s.iteration === 6)?.eta).toBeCloseTo(14 * 0.3 + 0.6, 6);
    expect(last.find((s) => s.iteration === 20)?.eta).toBeCloseTo(0.6, 6);
    expect(known.at(-1)?.eta).toBe(0);
    // Strictly falling over the whole run, the first epoch included.
    for (let k = 1; k < known.length; k++) expect(known[k]!.eta!).toBeLessThan(known[k - 1]!.eta!);
  });

  test('in the first epoch the validation is estimated from the iteration time, within 10 %', () => {
    const { samples, end } = timeline(5, 20, 600, () => 300, 10);
    for (const s of samples.slice(1).filter((x) => x.epoch === 0)) expect(Math.abs(s.eta! - (end - s.at) / 1000)).toBeLessThan(0.1 * (end - s.at) / 1000);
  });

  test('it follows a change of speed within the window of recent iterations', () => {
    // From epoch 4 on the fold shares its core: iterations take twice as long.
    const { samples, end } = timeline(8, 20, 600, (e) => (e < 4 ? 300 : 600));
    const after = samples.filter((s) => s.epoch >= 7 || (s.epoch === 6 && s.iteration >= 12));
    for (const s of after) expect(Math.abs(s.eta! - (end - s.at) / 1000)).toBeLessThan(0.65);
  });

  test('the display uses the stage\'s estimate, not a rate of finished epochs that rises in the last epoch', () => {
    const { samples } = timeline(20, 20, 600, () => 300);
    const first = samples[0]!;
    const lastEpoch = samples.filter((s) => s.epoch === 19 && s.iteration > 0);
    // The engine's own rate: epochs done per ms since the first record; `done` stands at 19 all epoch long.
    const byRate = lastEpoch.map((s) => progressText({ done: 19, total: 20, unit: 'epoch' }, (19 - first.epoch) / (s.at - first.at)));
    const seconds = (text: string): number => Number(/ETA ([\d.]+)s/.exec(text)?.[1]);
    expect(seconds(byRate.at(-1)!)).toBeGreaterThan(seconds(byRate[0]!)); // the defect
    const shown = lastEpoch.map((s) => progressText({ done: 19, total: 20, unit: 'epoch', ...(s.eta !== undefined ? { remainingSeconds: s.eta } : {}) }, (19 - first.epoch) / (s.at - first.at)));
    expect(shown[5]).toBe('epoch 19/20 ETA 4.8s');
    expect(shown.at(-1)).toBe('epoch 19/20 ETA 600ms');
  });
});

/** Synthetic but realistic report inputs: 5 folds of small summaries and decaying training curves. */
import { buildSummary } from '../../../src/nnunet/evaluation/summary.js';
import type { CaseEvaluation, ConfusionCounts } from '../../../src/nnunet/evaluation/types.js';
import type { EpochRecord, ReportInput, TrainingHistory } from '../../../src/nnunet/report/types.js';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VOXELS = 100_000;

/** Counts for one label with a target Dice-ish quality; `present` false = label absent in both. */
function counts(next: () => number, size: number, quality: number, present: boolean): ConfusionCounts {
  if (!present) return { tp: 0, fp: 0, fn: 0, tn: VOXELS };
  const tp = Math.round(size * quality);
  const fn = size - tp;
  const fp = Math.round(size * (1 - quality) * next());
  return { tp, fp, fn, tn: VOXELS - tp - fp - fn };
}

export function history(fold: number, epochs = 40): TrainingHistory {
  const next = rng(100 + fold);
  const records: EpochRecord[] = [];
  for (let e = 0; e < epochs; e++) {
    const t = e / epochs;
    const liver = 0.95 - 0.6 * Math.exp(-6 * t) + 0.01 * next();
    const tumour = 0.6 - 0.5 * Math.exp(-3 * t) + 0.05 * next();
    records.push({
      epoch: e,
      trainLoss: 0.4 - 1.2 * (1 - Math.exp(-4 * t)) + 0.02 * next(),
      valLoss: 0.35 - 1.0 * (1 - Math.exp(-4 * t)) + 0.05 * next(),
      pseudoDice: (liver + tumour) / 2,
      pseudoDicePerClass: [liver, tumour],
      lr: 0.01 * (1 - e / epochs) ** 0.9,
      seconds: 30 + next(),
    });
  }
  return { epochs: records, samplesPerSecond: 4 + fold * 0.1, wallSeconds: epochs * 31, worldSize: 1, device: 'cpu' };
}

export function reportInput(nFolds = 5, casesPerFold = 6): ReportInput {
  const next = rng(7);
  const folds = Array.from({ length: nFolds }, (_, fold) => {
    const cases: CaseEvaluation[] = Array.from({ length: casesPerFold }, (_, k) => {
      const id = `liver_${fold * casesPerFold + k}`;
      const tumourPresent = k !== 0; // the first case of each fold has no tumour: Dice NaN
      return {
        id,
        test: `/store/validate/fold_${fold}/${id}.nii.gz`,
        reference: `/store/preprocess/gt/${id}.nii.gz`,
        counts: new Map([
          [0, counts(next, 80_000, 0.99, true)],
          [1, counts(next, 15_000, 0.93 + 0.05 * next(), true)],
          [2, counts(next, 800, 0.3 + 0.6 * next(), tumourPresent)],
        ]),
      };
    });
    return {
      fold,
      summary: buildSummary({ name: 'pipe val tiled True', task: 'Task003_Liver', timestamp: '2026-11-27 12:00:00.000000' }, cases),
      history: history(fold),
    };
  });
  return {
    pipeline: 'demo',
    task: 'Task003_Liver',
    labels: { '1': 'liver', '2': 'cancer' },
    folds,
    reference: { '1': 95.8, '2': 65.6 },
    referenceSource: 'UNet++ README, "UNet++ (average)" row',
    generatedAt: '2026-11-27T12:00:00.000Z',
  };
}

/**
 * Confusion counts per label between a predicted and a reference label volume, in one pass: a joint
 * histogram of (test, reference) label pairs, from which every label's binary tp/fp/tn/fn follows.
 * Matches nnU-Net's `ConfusionMatrix(test == l, reference == l)`. Negative labels are rejected.
 */
import type { ConfusionCounts, LabelMap } from './types.js';

/** Label values a uint8/int8 volume can hold, as bytes. */
const BYTE_VALUES = 256;

/** Joint histogram: `hist[t * 256 + r]` = voxels with test label t and reference label r. */
function jointHistogram(test: LabelMap, reference: LabelMap): Float64Array {
  // Read both as raw bytes; int8 negatives show up as bytes >= 128 and are rejected below.
  const t = new Uint8Array(test.buffer, test.byteOffset, test.length);
  const r = new Uint8Array(reference.buffer, reference.byteOffset, reference.length);
  const counts = new Uint32Array(BYTE_VALUES * BYTE_VALUES);
  const hist = new Float64Array(BYTE_VALUES * BYTE_VALUES);
  // Flush the uint32 counters before they can overflow (2^32 voxels is beyond any CT, but be exact).
  const chunk = 0x7fffffff;
  for (let start = 0; start < t.length; start += chunk) {
    const end = Math.min(t.length, start + chunk);
    for (let i = start; i < end; i++) counts[(t[i]! << 8) | r[i]!]!++;
    for (let k = 0; k < counts.length; k++) {
      hist[k]! += counts[k]!;
      counts[k] = 0;
    }
  }
  return hist;
}

function rejectNegative(hist: Float64Array, volume: LabelMap, side: 'test' | 'reference', what: string): void {
  if (!(volume instanceof Int8Array)) return;
  for (let a = 128; a < BYTE_VALUES; a++) {
    for (let b = 0; b < BYTE_VALUES; b++) {
      const n = side === 'test' ? hist[a * BYTE_VALUES + b]! : hist[b * BYTE_VALUES + a]!;
      if (n > 0) {
        throw new Error(
          `Expected labels >= 0 in the ${side} volume of ${what} but received ${a - BYTE_VALUES} (${n} voxels)`,
        );
      }
    }
  }
}

/**
 * Confusion counts of each label in `labels` (e.g. [0, 1, 2]: the background is evaluated too).
 * `what` names the case in error messages.
 */
export function confusionCounts(
  test: LabelMap,
  reference: LabelMap,
  labels: readonly number[],
  what = 'the case',
): Map<number, ConfusionCounts> {
  if (test.length !== reference.length) {
    throw new Error(
      `Expected the same number of voxels in test and reference of ${what} but received ${test.length} vs ${reference.length}`,
    );
  }
  if (test.length === 0) throw new Error(`Expected a non-empty volume for ${what} but received 0 voxels`);
  const hist = jointHistogram(test, reference);
  rejectNegative(hist, test, 'test', what);
  rejectNegative(hist, reference, 'reference', what);
  const n = test.length;
  const result = new Map<number, ConfusionCounts>();
  for (const label of labels) {
    if (!Number.isInteger(label) || label < 0 || label > 255) {
      throw new Error(`Expected a label id in 0..255 for labels but received ${label} (${typeof label})`);
    }
    let tp = 0;
    let testPositives = 0;
    let referencePositives = 0;
    tp = hist[label * BYTE_VALUES + label]!;
    for (let other = 0; other < BYTE_VALUES; other++) {
      testPositives += hist[label * BYTE_VALUES + other]!;
      referencePositives += hist[other * BYTE_VALUES + label]!;
    }
    const fp = testPositives - tp;
    const fn = referencePositives - tp;
    result.set(label, { tp, fp, fn, tn: n - tp - fp - fn });
  }
  return result;
}

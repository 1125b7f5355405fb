/**
 * The reference's 5-fold split: scikit-learn KFold(n_splits, shuffle=True, random_state=12345) over
 * the lexicographically sorted case ids (recipe section 6).
 */
import { LegacyRandomState } from '../../util/legacy-random-state.js';
import type { Split } from '../plans/types.js';

export const SPLIT_SEED = 12345;

/** Code-point order, as np.sort orders strings. */
export function sortIds(ids: readonly string[]): string[] {
  return [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function kfoldSplits(ids: readonly string[], nSplits = 5, seed = SPLIT_SEED): Split[] {
  const keys = sortIds(ids);
  if (new Set(keys).size !== keys.length) throw new Error('Expected unique case ids for the split but found duplicates');
  if (keys.length < nSplits) {
    throw new Error(`Expected at least ${nSplits} cases for a ${nSplits}-fold split but received ${keys.length}`);
  }
  const order = new LegacyRandomState(seed).permutation(keys.length);
  const splits: Split[] = [];
  let start = 0;
  for (let k = 0; k < nSplits; k++) {
    const size = Math.floor(keys.length / nSplits) + (k < keys.length % nSplits ? 1 : 0);
    const isVal = new Uint8Array(keys.length);
    for (let i = start; i < start + size; i++) isVal[order[i] as number] = 1;
    start += size;
    splits.push({
      train: keys.filter((_, i) => isVal[i] === 0),
      val: keys.filter((_, i) => isVal[i] === 1),
    });
  }
  return splits;
}

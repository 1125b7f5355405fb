/**
 * Whether a run may use the committed object of a key: a hit when its files are as committed
 * (stat unchanged, or rehashed to the recorded digest); a damaged object (a file missing, resized or
 * changed in content) is removed so that the instance is rebuilt, and the caller says why.
 * Only a run holding the store lock calls this (it may delete, or restamp a file found intact).
 */
import type { StageKey } from './brands.js';
import { damageText } from './manifest.js';
import type { Store } from './store.js';

export type HitCheck =
  | { readonly state: 'hit' }
  | { readonly state: 'miss' }
  /** `why`: the damaged files, e.g. `model_final.pt: content changed (sha256 3f2a... -> 9c1d...)`. */
  | { readonly state: 'damaged'; readonly why: string };

export async function checkHit(store: Store, key: StageKey): Promise<HitCheck> {
  const found = await store.checkObject(key);
  if (found === undefined) return { state: 'miss' };
  if (found.check.damage.length === 0) {
    // A file touched or copied but unchanged: record its new stat so the next run need not rehash it.
    if (found.check.rehashed > 0 && found.check.current !== undefined) store.restamp(found.record, found.check.current);
    return { state: 'hit' };
  }
  store.removeObject(key);
  return { state: 'damaged', why: damageText(found.check.damage) };
}

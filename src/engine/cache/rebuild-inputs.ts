/**
 * A rebuild reads its inputs through the manifest check: before an instance runs, every file of the
 * committed objects it reads is rehashed against its commit record, so damage the hit check could
 * not see (content changed with every stat put back, or a disk that flipped bits) is never baked
 * into a new object under the same key. A damaged input is removed, like a damaged hit, and named.
 * Each object is rehashed once per run; an object this run committed was hashed at its commit.
 * Only a run holding the store lock uses it (it may delete).
 */
import type { StageKey } from './brands.js';
import { damageText } from './manifest.js';
import type { Store } from './store.js';

export interface DamagedInput {
  readonly key: StageKey;
  readonly stage: string;
  /** `model.txt: content changed (sha256 3f2a… -> 9c1d…)`. */
  readonly why: string;
}

export class RebuildInputs {
  readonly #store: Store;
  readonly #since: number;
  readonly #verified = new Set<StageKey>();
  /** Objects rehashed so far (for tests and the log). */
  rehashed = 0;

  /** `since`: when this run started; objects committed after it were hashed by this run (none without it). */
  constructor(store: Store, since?: Date) {
    this.#store = store;
    this.#since = since?.getTime() ?? Number.POSITIVE_INFINITY;
  }

  /** The inputs among `keys` found damaged (and removed); objects absent or uncommitted are skipped. */
  async damaged(keys: readonly StageKey[]): Promise<DamagedInput[]> {
    const out: DamagedInput[] = [];
    for (const key of keys) {
      if (this.#verified.has(key)) continue;
      const found = await this.#store.checkObject(key, Date.parse(this.#store.committed(key)?.committedAt ?? '') < this.#since);
      if (found === undefined) continue;
      this.rehashed += found.check.rehashed > 0 ? 1 : 0;
      if (found.check.damage.length === 0) {
        this.#verified.add(key);
        continue;
      }
      this.#store.removeObject(key);
      out.push({ key, stage: found.record.stage, why: damageText(found.check.damage) });
    }
    return out;
  }
}

/** The failure of an instance whose input was damaged: `input prep (object 3f2a1b9c0d1e) is damaged (…); …`. */
export function damagedInputText(damaged: readonly DamagedInput[]): string {
  const each = damaged.map((d) => `input ${d.stage} (object ${d.key.slice(0, 12)}) is damaged (${d.why})`);
  return `${each.join('; ')}; removed, not used: the next run (pipe resume) rebuilds it`;
}

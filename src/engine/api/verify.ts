/**
 * `verify`: rehashes every file of every committed object a pipeline uses and compares it with the
 * commit manifest (size, SHA-256). The pipelines are FILE (with `overrides`, else the overrides of
 * its last run in the journal) or, without FILE, every pipeline recorded in the store's journal,
 * each with the overrides of its last run (as `gc` plans them). `repair` drops the damaged objects
 * under the store lock so that the next run rebuilds them; without it nothing is written.
 * Objects committed before digests were recorded are checked by size and reported `unverified`.
 */
import { existsSync } from 'node:fs';
import { loadPipeline } from '../config/load-pipeline.js';
import { resolveKeys } from '../resolve/keys.js';
import { DigestMemo } from '../cache/digests.js';
import { Journal } from '../cache/journal.js';
import { acquireLock, type LockHandle } from '../cache/lock.js';
import type { FileDamage } from '../cache/manifest.js';
import { Store } from '../cache/store.js';
import type { StageKey } from '../cache/brands.js';

export type ObjectVerdict = 'ok' | 'damaged' | 'unverified';

export interface VerifiedObject {
  /** The instance that uses it (`train[fold=3]`), in the first pipeline that does. */
  readonly stage: string;
  readonly key: StageKey;
  readonly verdict: ObjectVerdict;
  readonly files: number;
  readonly bytes: number;
  readonly damage: readonly FileDamage[];
  /** With `repair`: the damaged object was removed. */
  readonly removed: boolean;
}

export interface VerifyResult {
  readonly store: string;
  readonly pipelines: readonly { readonly file: string; readonly error?: string }[];
  readonly objects: readonly VerifiedObject[];
  /** Instances of the pipelines that have no committed object (never ran, or removed). */
  readonly notBuilt: number;
  readonly damaged: number;
  readonly repaired: boolean;
}

export interface VerifyOptions {
  /** The pipeline to verify; without it every pipeline recorded in the journal of `store`. */
  readonly file?: string;
  /** Overrides for `file` (default: those of its last run). */
  readonly overrides?: readonly string[];
  readonly repair?: boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export async function verify(storeRoot: string, options: VerifyOptions = {}): Promise<VerifyResult> {
  const store = new Store(storeRoot);
  const repair = options.repair ?? false;
  const env = { ...(options.env ?? process.env), PIPE_CACHE: storeRoot };
  const lastRun = new Map<string, readonly string[]>();
  if (store.exists()) for (const r of new Journal(store.journalPath).read()) if (r.t === 'run-start') lastRun.set(r.pipeline, r.options.overrides);
  const targets = options.file !== undefined ? new Map([[options.file, options.overrides ?? lastRun.get(options.file) ?? []]]) : lastRun;

  let lock: LockHandle | undefined;
  if (repair && store.exists()) {
    store.ensure();
    lock = await acquireLock(store.lockPath, 'pipe verify --repair');
  }
  try {
    const pipelines: { file: string; error?: string }[] = [];
    const uses = new Map<StageKey, string>();
    for (const [file, overrides] of targets) {
      if (!existsSync(file)) {
        pipelines.push({ file, error: 'file no longer exists' });
        continue;
      }
      try {
        const keyed = await resolveKeys(await loadPipeline(file, { overrides, env }), new DigestMemo(store.root));
        for (const inst of keyed.instances) {
          if (!uses.has(inst.key)) uses.set(inst.key, inst.name);
        }
        pipelines.push({ file });
      } catch (error) {
        // FILE itself must load (its error is the user's to see); a recorded one that no longer does is noted.
        if (options.file !== undefined) throw error;
        pipelines.push({ file, error: (error as Error).message.split('\n')[0] ?? 'invalid' });
      }
    }
    const objects: VerifiedObject[] = [];
    for (const [key, stage] of uses) {
      const found = await store.checkObject(key, true);
      if (found === undefined) continue;
      const sizes = Object.values(found.record.manifest);
      const damaged = found.check.damage.length > 0;
      if (damaged && lock !== undefined) store.removeObject(key);
      objects.push({
        stage, key, verdict: damaged ? 'damaged' : found.check.verified ? 'ok' : 'unverified',
        files: sizes.length, bytes: sizes.reduce((a, b) => a + b, 0), damage: found.check.damage, removed: damaged && lock !== undefined,
      });
    }
    return {
      store: store.root, pipelines, objects, notBuilt: uses.size - objects.length,
      damaged: objects.filter((o) => o.verdict === 'damaged').length, repaired: lock !== undefined,
    };
  } finally {
    lock?.release();
  }
}

/**
 * `gc`: removes store objects (and their key material, workspaces, logs) that no pipeline recorded in
 * the journal references any more. References are each such pipeline's *current* keys, planned with
 * the overrides of its last run; a pipeline file that no longer exists references nothing.
 * Leftover temporary outputs are removed too. Holds the store lock while deleting.
 *
 * Two guards: objects in a store whose journal is missing or records no run are referenced by no
 * one only because the record is gone, so gc refuses (GcRefusedError, exit 2) unless `force`; and a
 * dry run, which takes no lock, leaves out the folders of a run in progress (its tmp/ outputs, and
 * the workspaces and objects of the keys it started: the YAML may have been edited since).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadPipeline } from '../config/load-pipeline.js';
import { resolveKeys } from '../resolve/keys.js';
import { DigestMemo } from '../cache/digests.js';
import { Journal } from '../cache/journal.js';
import { acquireLock, lockHeldByLiveProcess } from '../cache/lock.js';
import { PipelineError } from '../config/diagnostics.js';
import { liveRunKeys } from './gc-live-run.js';
import { Store } from '../cache/store.js';
import type { StageKey } from '../cache/brands.js';
import { walkFiles } from '../cache/glob.js';
import { openJobs, usedByOpenJob } from '../exec/slurm/open-jobs.js';
import { removeTree } from '../../util/fs.js';

export interface GcResult {
  readonly store: string;
  readonly removed: readonly { readonly key: string; readonly stage?: string; readonly bytes: number }[];
  readonly kept: number;
  readonly bytes: number;
  readonly dryRun: boolean;
  /** Pipelines whose references were kept (and those that could not be loaded, with why). */
  readonly pipelines: readonly { readonly file: string; readonly error?: string }[];
  /** What the listing leaves out or would refuse (a dry run without journal, a run in progress). */
  readonly warnings: readonly string[];
}

/** Objects but no journal to tell which are in use: gc would remove them all (CLI exit 2). */
export class GcRefusedError extends PipelineError {}

function sizeOf(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  return st.isDirectory() ? walkFiles(path).reduce((n, f) => n + statSync(f).size, 0) : st.size;
}

export async function gc(storeRoot: string, options: { dryRun?: boolean; force?: boolean; env?: Readonly<Record<string, string | undefined>> } = {}): Promise<GcResult> {
  const store = new Store(storeRoot);
  const dryRun = options.dryRun ?? false;
  if (!store.exists()) return { store: storeRoot, removed: [], kept: 0, bytes: 0, dryRun, pipelines: [], warnings: [] };
  if (!dryRun) store.ensure(); // an unwritable store: StoreNotWritableError (exit 2), not an Internal error
  const lock = dryRun ? undefined : await acquireLock(store.lockPath, 'pipe gc');
  try {
    const warnings: string[] = [];
    const records = new Journal(store.journalPath).read();
    const lastRun = new Map<string, readonly string[]>();
    for (const r of records) if (r.t === 'run-start') lastRun.set(r.pipeline, r.options.overrides);
    const objects = join(store.root, 'objects');
    const keys = new Set(existsSync(objects) ? readdirSync(objects).map((n) => n.replace(/\.commit$/, '')) : []);
    if (lastRun.size === 0 && keys.size > 0 && options.force !== true) {
      const why = `the store ${store.root} holds ${keys.size} object(s) but its journal ${store.journalPath} is ${existsSync(store.journalPath) ? 'empty (it records no run)' : 'missing'}`;
      if (!dryRun) throw new GcRefusedError([{ message: `gc: ${why}: no pipeline can be shown to use them, so gc would remove them all; pipe gc --force removes them anyway` }]);
      warnings.push(`${why}: pipe gc would refuse without --force`);
    }
    // Only a dry run can meet a live run: gc itself holds the lock.
    const holder = dryRun ? lockHeldByLiveProcess(store.lockPath) : undefined;
    const live = holder !== undefined ? liveRunKeys(records, holder) : new Set<string>();
    if (holder !== undefined) warnings.push(`a run is in progress (PID ${holder.pid} on ${holder.host}, ${holder.command}): its tmp/ outputs, workspaces and objects are not listed`);
    const referenced = new Set<string>();
    const pipelines: { file: string; error?: string }[] = [];
    for (const [file, overrides] of lastRun) {
      if (!existsSync(file)) {
        pipelines.push({ file, error: 'file no longer exists' });
        continue;
      }
      try {
        const p = await loadPipeline(file, { overrides, env: { ...(options.env ?? process.env), PIPE_CACHE: storeRoot } });
        const keyed = await resolveKeys(p, new DigestMemo(store.root));
        for (const i of keyed.byName.values()) referenced.add(i.key);
        pipelines.push({ file });
      } catch (error) {
        // A pipeline that cannot be planned now keeps nothing alive; say so rather than guess.
        pipelines.push({ file, error: (error as Error).message.split('\n')[0] ?? 'invalid' });
      }
    }
    const removed: { key: string; stage?: string; bytes: number }[] = [];
    let kept = 0;
    for (const key of keys) {
      if (live.has(key)) continue;
      if (referenced.has(key)) {
        kept++;
        continue;
      }
      const k = key as StageKey;
      const bytes = sizeOf(store.objectDir(k));
      const stage = store.committed(k)?.stage;
      removed.push({ key, ...(stage ? { stage } : {}), bytes });
      if (!dryRun) {
        store.removeObject(k);
        removeTree(store.keyMaterialPath(k));
      }
    }
    // Staging folders of Slurm jobs still out on the cluster (detached, or left by a runner that died).
    const inUse = usedByOpenJob(openJobs(new Journal(store.journalPath).read()));
    for (const dir of ['work', 'tmp']) {
      const root = join(store.root, dir);
      if (!existsSync(root)) continue;
      if (dir === 'tmp' && holder !== undefined) continue; // every temporary output is the live run's
      for (const name of readdirSync(root)) {
        if (dir === 'work' && (referenced.has(name) || live.has(name))) continue; // a resumable attempt of a current key
        if (dir === 'tmp' && inUse(name)) continue;
        const bytes = sizeOf(join(root, name));
        removed.push({ key: `${dir}/${name}`, bytes });
        if (!dryRun) removeTree(join(root, name));
      }
    }
    return { store: store.root, removed, kept, bytes: removed.reduce((n, r) => n + r.bytes, 0), dryRun, pipelines, warnings };
  } finally {
    lock?.release();
  }
}

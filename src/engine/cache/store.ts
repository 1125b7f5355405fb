/**
 * The local store:
 *   objects/<key>/         committed outputs (a stage's PIPE_OUT, renamed into place on success)
 *   objects/<key>.commit   commit marker, written last (JSON: stage, time, manifest: per file size,
 *                          mtime, inode and SHA-256; see manifest.ts)
 *   work/<key>/            attempt workspace: survives crashes and retries, removed after commit
 *   tmp/                   fresh output folders and context files of running attempts
 *   keys/<key>.json        key material, for `status --why`
 *   logs/                  one log per attempt (exec/attempt-log.ts names them)
 *   journal.jsonl, lock, state/
 * An object counts only when its marker exists and every file in the manifest has its recorded size;
 * a run also rehashes the files whose stat changed before it calls the object a hit (checkHit).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { checkManifest, takeManifest, type FileStamp, type ObjectCheck } from './manifest.js';
import { ensureWritableStore } from './store-access.js';
import type { StageKey } from './brands.js';
import type { KeyMaterial } from './key.js';
import { fsyncDir, removeTree, writeFileAtomic } from '../../util/fs.js';

export interface CommitRecord {
  readonly stage: string;
  readonly key: StageKey;
  readonly committedAt: string;
  /** Relative path -> size in bytes, for every file of the object (records of every version have it). */
  readonly manifest: Readonly<Record<string, number>>;
  /** Relative path -> [size, mtime ns, inode, SHA-256]; absent in records committed before digests. */
  readonly files?: Readonly<Record<string, FileStamp>>;
}

export class Store {
  readonly root: string;
  constructor(root: string) {
    this.root = root;
  }
  get journalPath(): string {
    return join(this.root, 'journal.jsonl');
  }
  get lockPath(): string {
    return join(this.root, 'lock');
  }
  objectDir(key: StageKey): string {
    return join(this.root, 'objects', key);
  }
  markerPath(key: StageKey): string {
    return join(this.root, 'objects', `${key}.commit`);
  }
  workDir(key: StageKey): string {
    return join(this.root, 'work', key);
  }
  keyMaterialPath(key: StageKey): string {
    return join(this.root, 'keys', `${key}.json`);
  }

  exists(): boolean {
    return existsSync(this.root);
  }

  /**
   * Creates the store folders (only a run that holds or is about to take the lock does this);
   * a store that cannot be written is a StoreNotWritableError (a user error, exit 2).
   */
  ensure(): void {
    ensureWritableStore(this.root, ['tmp', 'objects', 'work', 'keys', 'logs', 'state']);
  }

  /** The commit record of `key`, or undefined when the object is absent, uncommitted or damaged. */
  committed(key: StageKey): CommitRecord | undefined {
    let record: CommitRecord;
    try {
      record = JSON.parse(readFileSync(this.markerPath(key), 'utf8')) as CommitRecord;
    } catch {
      return undefined;
    }
    const dir = this.objectDir(key);
    for (const [rel, size] of Object.entries(record.manifest)) {
      const st = statSync(join(dir, rel), { throwIfNoEntry: false });
      if (st === undefined || st.size !== size) return undefined;
    }
    if (!existsSync(dir)) return undefined;
    return record;
  }

  /**
   * The commit record of `key` and how its files compare with it: each file present with its size,
   * and each file whose stat changed since the commit (`rehashAll`: every file) rehashed and compared
   * with its recorded digest; `check.damage` lists what differs. Undefined when there is no marker.
   */
  async checkObject(key: StageKey, rehashAll = false): Promise<{ record: CommitRecord; check: ObjectCheck } | undefined> {
    let record: CommitRecord;
    try {
      record = JSON.parse(readFileSync(this.markerPath(key), 'utf8')) as CommitRecord;
    } catch {
      return undefined;
    }
    return { record, check: await checkManifest(this.objectDir(key), record, rehashAll) };
  }

  /** Rewrites the marker with the files' current stamps (same digests), after a rehash found them intact. */
  restamp(record: CommitRecord, files: Readonly<Record<string, FileStamp>>): void {
    writeFileAtomic(this.markerPath(record.key), JSON.stringify({ ...record, files }));
  }

  /**
   * A fresh, empty output folder for one attempt. Made by mkdir, whose mode honours the umask (a
   * store shared by a lab group, umask 0002, stays group-readable): mkdtemp's is always 0700, and
   * the folder keeps it when it is renamed into objects/.
   */
  freshOutput(key: StageKey): string {
    for (;;) {
      const dir = join(this.root, 'tmp', `${key.slice(0, 16)}-${randomBytes(4).toString('hex')}`);
      try {
        mkdirSync(dir);
        return dir;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
  }

  recordMaterial(key: StageKey, material: KeyMaterial): void {
    if (!existsSync(this.keyMaterialPath(key))) writeFileAtomic(this.keyMaterialPath(key), JSON.stringify(material, null, 1));
  }

  material(key: StageKey): KeyMaterial | undefined {
    try {
      return JSON.parse(readFileSync(this.keyMaterialPath(key), 'utf8')) as KeyMaterial;
    } catch {
      return undefined;
    }
  }

  /**
   * Commits a finished attempt: any uncommitted leftover at objects/<key> is removed, the output
   * folder is renamed into place, then the marker (with the manifest) is written last.
   */
  async commit(key: StageKey, stage: string, outDir: string): Promise<CommitRecord> {
    const dir = this.objectDir(key);
    const { sizes, files } = await takeManifest(outDir);
    removeTree(this.markerPath(key));
    removeTree(dir);
    renameSync(outDir, dir);
    fsyncDir(join(this.root, 'objects'));
    const record: CommitRecord = { stage, key, committedAt: new Date().toISOString(), manifest: sizes, files };
    writeFileAtomic(this.markerPath(key), JSON.stringify(record));
    removeTree(this.workDir(key));
    return record;
  }

  /** Removes an object and its marker (marker first, so a half-removed object never looks valid). */
  removeObject(key: StageKey): void {
    removeTree(this.markerPath(key));
    removeTree(this.objectDir(key));
  }
}

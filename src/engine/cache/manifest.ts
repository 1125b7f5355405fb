/**
 * The commit manifest of a store object: per file its size, mtime in ns, inode, SHA-256 and ctime in
 * ns, taken when the object is committed. On a cache hit a file whose (size, mtime, inode, ctime)
 * are unchanged is trusted without reading it; one whose stat changed is rehashed, and a content
 * that differs from the recorded digest is damage (the object is rebuilt). The ctime is what makes
 * a write whose mtime was put back (touch -r, utimes) show: setting the times sets the ctime, and
 * nothing but the clock sets it back. `pipe verify` rehashes every file.
 *
 * Records written before digests (`manifest` of sizes only, no `files`) keep working: they are
 * checked by size as before and reported as unverified; they are not upgraded in place, since
 * their content can no longer be vouched for.
 */
import { statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { sha256File } from '../../util/hash.js';
import { walkFiles } from './glob.js';

/**
 * What is recorded per file: [size in bytes, mtime in ns, inode, SHA-256 hex, ctime in ns]; records
 * written before ctimes have four entries and are compared without it.
 */
export type FileStamp = readonly [size: number, mtimeNs: string, ino: string, sha256: string, ctimeNs?: string];

export interface Manifest {
  /** Relative path -> size (also in records of older versions, which hold nothing else). */
  readonly sizes: Record<string, number>;
  /** Relative path -> stamp with the content digest. */
  readonly files: Record<string, FileStamp>;
}

/** Hashes and stamps every file under `dir` (before the rename into place, which keeps mtime and inode). */
export async function takeManifest(dir: string): Promise<Manifest> {
  const sizes: Record<string, number> = {};
  const files: Record<string, FileStamp> = {};
  for (const f of walkFiles(dir)) {
    const rel = relative(dir, f);
    const sha256 = await sha256File(f);
    const st = statSync(f, { bigint: true });
    sizes[rel] = Number(st.size);
    files[rel] = [Number(st.size), String(st.mtimeNs), String(st.ino), sha256, String(st.ctimeNs)];
  }
  return { sizes, files };
}

/** One file of an object that no longer matches its record. */
export interface FileDamage {
  readonly file: string;
  readonly problem: 'missing' | 'size' | 'content';
  /** `1024 -> 1000 bytes`, `sha256 3f2a1b9c -> 9c1d2e7a`. */
  readonly detail: string;
}

export interface ObjectCheck {
  readonly damage: readonly FileDamage[];
  /** False for a record of sizes only (committed before digests): its content cannot be checked. */
  readonly verified: boolean;
  /** Files read and hashed by this check. */
  readonly rehashed: number;
  /**
   * Verified records only: the stamps as the files stand now (a rehashed file whose content matched
   * gets its new mtime and inode), for the caller to record so that it is not rehashed again.
   */
  readonly current?: Record<string, FileStamp>;
}

/**
 * Checks an object folder against its record: every file present with its size; with digests, a
 * file whose stat changed (or every file, `rehashAll`) is rehashed and compared.
 */
export async function checkManifest(
  dir: string,
  record: { readonly manifest: Readonly<Record<string, number>>; readonly files?: Readonly<Record<string, FileStamp>> },
  rehashAll = false,
): Promise<ObjectCheck> {
  const damage: FileDamage[] = [];
  let rehashed = 0;
  const stamps = record.files;
  const current: Record<string, FileStamp> = {};
  if (statSync(dir, { throwIfNoEntry: false })?.isDirectory() !== true) return { damage: [{ file: '.', problem: 'missing', detail: 'missing' }], verified: stamps !== undefined, rehashed };
  for (const file of Object.keys(stamps ?? record.manifest)) {
    const stamp = stamps?.[file];
    const size = stamp ? stamp[0] : record.manifest[file];
    const st = statSync(join(dir, file), { bigint: true, throwIfNoEntry: false });
    if (st === undefined || !st.isFile()) {
      damage.push({ file, problem: 'missing', detail: 'missing' });
      continue;
    }
    if (Number(st.size) !== size) {
      damage.push({ file, problem: 'size', detail: `${size} -> ${st.size} bytes` });
      continue;
    }
    if (stamp === undefined) continue;
    current[file] = [stamp[0], String(st.mtimeNs), String(st.ino), stamp[3], String(st.ctimeNs)];
    const ctimeSame = stamp[4] === undefined || String(st.ctimeNs) === stamp[4];
    if (!rehashAll && String(st.mtimeNs) === stamp[1] && String(st.ino) === stamp[2] && ctimeSame) continue;
    const now = await sha256File(join(dir, file));
    rehashed++;
    if (now !== stamp[3]) damage.push({ file, problem: 'content', detail: `sha256 ${stamp[3].slice(0, 12)} -> ${now.slice(0, 12)}` });
  }
  return { damage, verified: stamps !== undefined, rehashed, ...(stamps !== undefined ? { current } : {}) };
}

/** `model_final.pt: content changed (sha256 3f2a1b9c0d1e -> 9c1d2e7a4b5f)`, one clause per damaged file. */
export function damageText(damage: readonly FileDamage[]): string {
  const shown = damage.slice(0, 3).map((d) => `${d.file}: ${d.problem === 'content' ? `content changed (${d.detail})` : d.problem === 'size' ? `size changed (${d.detail})` : 'missing'}`);
  return `${shown.join('; ')}${damage.length > 3 ? `; and ${damage.length - 3} more` : ''}`;
}

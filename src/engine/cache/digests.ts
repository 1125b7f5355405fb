/**
 * File content digests, memoised by (path, size, mtime in ns, inode) like DVC's state database:
 * an unchanged file is never read again. The memo lives in `<store>/state/digests.json` and is only
 * written back by a run that holds the store lock (status and dry runs read it and write nothing).
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sha256File } from '../../util/hash.js';
import { writeFileAtomic } from '../../util/fs.js';
import type { FileDigest } from './brands.js';

type Entry = [size: string, mtimeNs: string, ino: string, digest: string];

export class DigestMemo {
  readonly #file: string;
  #entries: Record<string, Entry> = {};
  #dirty = false;
  /** Files actually read and hashed (not served from the memo) since construction. */
  hashed = 0;

  constructor(storeDir: string) {
    this.#file = join(storeDir, 'state', 'digests.json');
    try {
      this.#entries = JSON.parse(readFileSync(this.#file, 'utf8')) as Record<string, Entry>;
    } catch {
      this.#entries = {};
    }
  }

  async digest(path: string): Promise<FileDigest> {
    const st = statSync(path, { bigint: true });
    const stamp: Entry = [String(st.size), String(st.mtimeNs), String(st.ino), ''];
    const known = this.#entries[path];
    if (known && known[0] === stamp[0] && known[1] === stamp[1] && known[2] === stamp[2]) return known[3] as FileDigest;
    const digest = await sha256File(path);
    this.hashed++;
    stamp[3] = digest;
    this.#entries[path] = stamp;
    this.#dirty = true;
    return digest as FileDigest;
  }

  /** Writes the memo back when something changed (callers holding the store lock only). */
  save(): void {
    if (!this.#dirty) return;
    writeFileAtomic(this.#file, JSON.stringify(this.#entries));
    this.#dirty = false;
  }
}

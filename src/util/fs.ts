/** Small durable file-system helpers: fsync'd appends and atomic replace (write temp, fsync, rename). */
import { closeSync, fsyncSync, openSync, renameSync, writeSync, rmSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** Appends `text` to `path` and fsyncs it before returning (crash-safe journal records). */
export function appendDurable(path: string, text: string, sync = true): void {
  const fd = openSync(path, 'a');
  try {
    writeSync(fd, text);
    if (sync) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes `text` to `path` atomically: a reader sees the old file or the whole new one. */
export function writeFileAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  fsyncDir(dirname(path));
}

/** fsyncs a directory so a rename inside it survives a power loss (best effort). */
export function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* some file systems refuse fsync on directories; the rename is still atomic */
  }
}

export function removeTree(path: string): void {
  rmSync(path, { recursive: true, force: true, maxRetries: 3 });
}

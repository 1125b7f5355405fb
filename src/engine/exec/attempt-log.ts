/**
 * Where an attempt's log goes: `<store>/logs/<instance>.<key12>.<run>.<attempt>.log`. Attempts count from 1 in
 * each run, so the run id is what keeps a rerun from overwriting the log that the failed attempt's journal entry
 * points at (run ids start with their time, so a key's logs list in the order they ran). The instance name is
 * made safe for the file system and bounded: a stage id may be as long as YAML allows, a file name may not
 * (255 bytes on ext4, xfs, NFS), so a long name keeps a readable prefix and hashes the whole.
 */
import { join } from 'node:path';
import { sha256Hex } from '../../util/hash.js';

/** At most this many characters of a log name come from the instance name (the rest is key, run, attempt: ~45). */
export const NAME_PART_MAX = 80;

/** A file-system-safe, readable form of an instance name: `train[fold=3]` -> `train_fold=3_`. */
export function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._=-]/g, '_');
}

/**
 * `safeName(name)` when it fits in `max` characters; else its first characters, `~` and 8 hex digits of the
 * name's SHA-256, so two long names that differ only at the end (the matrix values) still name two files.
 */
export function boundedName(name: string, max = NAME_PART_MAX): string {
  const safe = safeName(name);
  if (safe.length <= max) return safe;
  return `${safe.slice(0, max - 9)}~${sha256Hex(name).slice(0, 8)}`;
}

export function attemptLogPath(storeRoot: string, instance: string, key: string, run: string, attempt: number): string {
  return join(storeRoot, 'logs', `${boundedName(instance)}.${key.slice(0, 12)}.${run}.${attempt}.log`);
}

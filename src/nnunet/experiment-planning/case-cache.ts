/**
 * Per-case fingerprint results kept in the stage's work folder, so an interrupted plan stage only
 * re-reads the cases it had not finished: `<dir>/<id>.c<k>.f32` (foreground samples of channel k,
 * raw float32) and `<dir>/<id>.json` (the CaseFingerprint, written last: it marks the case complete).
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CaseFingerprint } from '../plans/types.js';

interface CachedCase {
  readonly fingerprint: CaseFingerprint;
  /** Per channel sample counts; null when no samples were collected. */
  readonly sampleCounts: number[] | null;
}

const safe = (id: string) => encodeURIComponent(id);

export async function loadCachedCase(dir: string, id: string): Promise<{ fingerprint: CaseFingerprint; samples: Float32Array[] | null } | undefined> {
  let cached: CachedCase;
  try {
    cached = JSON.parse(await readFile(join(dir, `${safe(id)}.json`), 'utf8')) as CachedCase;
  } catch {
    return undefined;
  }
  if (cached.fingerprint?.id !== id) return undefined;
  if (!cached.sampleCounts) return { fingerprint: cached.fingerprint, samples: null };
  const samples: Float32Array[] = [];
  for (let k = 0; k < cached.sampleCounts.length; k++) {
    let bytes: Buffer;
    try {
      bytes = await readFile(join(dir, `${safe(id)}.c${k}.f32`));
    } catch {
      return undefined;
    }
    if (bytes.length !== (cached.sampleCounts[k] as number) * 4) return undefined;
    const copy = new Float32Array(bytes.length / 4);
    new Uint8Array(copy.buffer).set(bytes);
    samples.push(copy);
  }
  return { fingerprint: cached.fingerprint, samples };
}

export async function saveCachedCase(dir: string, fingerprint: CaseFingerprint, samples: Float32Array[] | null): Promise<void> {
  const id = safe(fingerprint.id);
  if (samples) {
    for (let k = 0; k < samples.length; k++) {
      const s = samples[k] as Float32Array;
      await writeFile(join(dir, `${id}.c${k}.f32`), Buffer.from(s.buffer, s.byteOffset, s.byteLength));
    }
  }
  const record: CachedCase = { fingerprint, sampleCounts: samples ? samples.map((s) => s.length) : null };
  await writeFile(join(dir, `${id}.json.partial`), JSON.stringify(record));
  await rename(join(dir, `${id}.json.partial`), join(dir, `${id}.json`));
}

/**
 * Does the file hold the voxel data its header promises? Checked from the file size (.nii) or the gzip trailer's
 * ISIZE (.nii.gz, the inflated size modulo 4 GiB), so a header claiming 32767³ voxels over a small volume is
 * reported as what it is before anyone estimates memory from the header. Only when the trailer disagrees is the
 * stream inflated (counted, not kept) to get the exact size. Trailing bytes beyond the voxels are allowed, as
 * nibabel allows them.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { NiftiError } from './errors.js';
import type { NiftiHeaderInfo } from './header.js';

/** Bytes of voxel data the header promises (shape × bytes per voxel). */
export function voxelByteCount(header: NiftiHeaderInfo): number {
  return header.shape.reduce((a, b) => a * b, 1) * header.bytesPerVoxel;
}

/** The error for a file whose voxel data is shorter than its header says (`have`: bytes after vox_offset). */
export function sizeMismatchError(file: string, header: NiftiHeaderInfo, have: number): NiftiError {
  return new NiftiError(
    file,
    `header/data size mismatch: the header promises ${voxelByteCount(header)} bytes of voxels (shape ` +
      `[${header.shape.join(', ')}] ${header.datatype}) but the file holds ${have} after vox_offset ${header.voxOffset}`,
  );
}

/** Throws sizeMismatchError when `file` (plain or gzip, as `gzip` says) holds fewer voxel bytes than `header` promises. */
export async function assertDataSize(file: string, header: NiftiHeaderInfo, gzip: boolean): Promise<void> {
  const need = header.voxOffset + voxelByteCount(header);
  const total = gzip ? await inflatedSize(file, need) : await plainSize(file);
  if (total < need) throw sizeMismatchError(file, header, Math.max(0, total - header.voxOffset));
}

async function plainSize(file: string): Promise<number> {
  const handle = await open(file, 'r');
  try {
    return (await handle.stat()).size;
  } finally {
    await handle.close();
  }
}

/** The inflated size when it can be `need` or more, else the exact (smaller) inflated size. */
async function inflatedSize(file: string, need: number): Promise<number> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size >= 18) {
      const trailer = Buffer.alloc(4);
      await handle.read(trailer, 0, 4, size - 4);
      if (trailer.readUInt32LE(0) === need % 2 ** 32) return need; // consistent (single-member gzip)
    }
  } finally {
    await handle.close();
  }
  return countInflated(file, need);
}

/** Inflates `file` counting bytes, stopping once `enough` are seen. */
async function countInflated(file: string, enough: number): Promise<number> {
  const source = createReadStream(file, { highWaterMark: 1 << 20 });
  const gunzip = createGunzip({ chunkSize: 1 << 18 });
  source.on('error', (error) => gunzip.destroy(error));
  source.pipe(gunzip);
  let total = 0;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total >= enough) break;
    }
  } catch (error) {
    const message = (error as Error).message;
    throw new NiftiError(
      file,
      message === 'unexpected end of file' ? 'truncated gzip stream (unexpected end of file)' : `corrupt gzip data (${message})`,
      { cause: error },
    );
  } finally {
    source.destroy();
    gunzip.destroy();
  }
  return total;
}

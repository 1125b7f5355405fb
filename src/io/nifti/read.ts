/**
 * Reading .nii and .nii.gz files. Gzip data is inflated as a stream straight into one preallocated
 * voxel buffer, so a volume is held once (plus a scaled copy when scl_slope/scl_inter apply).
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { affineOf } from './affine.js';
import { assertDataSize, sizeMismatchError, voxelByteCount } from './data-size.js';
import { datatypeByName } from './datatypes.js';
import { NiftiError } from './errors.js';
import { headerBytesNeeded, NIFTI2_HEADER_BYTES, parseHeader, type NiftiHeaderInfo } from './header.js';
import type { NiftiVolume, VoxelArray } from './types.js';

/** Header fields plus the affine, without the voxels. */
export interface NiftiHeaderSummary extends NiftiHeaderInfo {
  readonly affine: number[][];
}

/** Reads a whole NIfTI-1/2 volume (.nii or .nii.gz, either byte order). */
export async function readNifti(file: string): Promise<NiftiVolume> {
  const gzip = await isGzipFile(file);
  const { header, bytes } = gzip ? await readGzip(file, true) : await readPlain(file, true);
  if (!bytes) throw new Error('Internal error: voxel bytes missing after a full read');
  const data = toVoxels(header, bytes);
  return {
    shape: header.shape,
    spacing: header.spacing,
    affine: affineOf(header.geometry, header.spacing, header.shape),
    datatype: header.datatype,
    data,
    header: header.geometry,
  };
}

/**
 * Reads only the header (inflating just the first bytes of a .nii.gz). With `checkDataSize`, also checks that the
 * file holds the voxel bytes the header promises (data-size.ts: file size or gzip trailer) and throws a NiftiError
 * "header/data size mismatch" otherwise: do this before estimating memory from the header's shape.
 */
export async function readNiftiHeader(file: string, options: { checkDataSize?: boolean } = {}): Promise<NiftiHeaderSummary> {
  const gzip = await isGzipFile(file);
  const { header } = gzip ? await readGzip(file, false) : await readPlain(file, false);
  if (options.checkDataSize === true) await assertDataSize(file, header, gzip);
  return { ...header, affine: affineOf(header.geometry, header.spacing, header.shape) };
}

export async function isGzipFile(file: string): Promise<boolean> {
  const handle = await openOrThrow(file);
  try {
    const magic = Buffer.alloc(2);
    const { bytesRead } = await handle.read(magic, 0, 2, 0).catch((error: NodeJS.ErrnoException) => {
      throw new NiftiError(file, `cannot read (${error.code ?? error.message})`, { cause: error });
    });
    return bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

async function openOrThrow(file: string) {
  try {
    return await open(file, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new NiftiError(file, code === 'ENOENT' ? 'file does not exist' : `cannot open (${code ?? String(error)})`, {
      cause: error,
    });
  }
}

interface RawRead {
  header: NiftiHeaderInfo;
  bytes: Buffer | undefined;
}

function allocateVoxels(file: string, header: NiftiHeaderInfo): Buffer {
  const n = voxelByteCount(header);
  try {
    return Buffer.from(new ArrayBuffer(n));
  } catch (error) {
    throw new NiftiError(file, `cannot allocate ${n} bytes for shape [${header.shape.join(', ')}] ${header.datatype}`, {
      cause: error,
    });
  }
}

async function readPlain(file: string, withData: boolean): Promise<RawRead> {
  const handle = await openOrThrow(file);
  try {
    const { size } = await handle.stat();
    const prefix = Buffer.alloc(Math.min(size, NIFTI2_HEADER_BYTES));
    await handle.read(prefix, 0, prefix.length, 0);
    const header = parseHeader(prefix, file);
    if (!withData) return { header, bytes: undefined };
    const available = Math.max(0, size - header.voxOffset);
    const need = voxelByteCount(header);
    if (available < need) throw sizeMismatchError(file, header, available);
    const bytes = allocateVoxels(file, header);
    let filled = 0;
    while (filled < need) {
      const length = Math.min(need - filled, 1 << 30);
      const { bytesRead } = await handle.read(bytes, filled, length, header.voxOffset + filled);
      if (bytesRead === 0) throw sizeMismatchError(file, header, filled);
      filled += bytesRead;
    }
    return { header, bytes };
  } finally {
    await handle.close();
  }
}

async function readGzip(file: string, withData: boolean): Promise<RawRead> {
  const source = createReadStream(file, { highWaterMark: 1 << 20 });
  const gunzip = createGunzip({ chunkSize: 1 << 18 });
  source.on('error', (error) => gunzip.destroy(error));
  source.pipe(gunzip);

  let head: Buffer = Buffer.alloc(0);
  let header: NiftiHeaderInfo | undefined;
  let bytes: Buffer | undefined;
  let filled = 0;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      let rest: Buffer = chunk;
      if (!bytes) {
        head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
        if (!header) {
          if (head.length < 4) continue;
          if (head.length < headerBytesNeeded(head, file)) continue;
          header = parseHeader(head, file);
          if (!withData) break;
          // Before allocating what the header claims: a header promising far more than the stream holds.
          await assertDataSize(file, header, true);
        }
        if (head.length < header.voxOffset) continue;
        bytes = allocateVoxels(file, header);
        rest = head.subarray(header.voxOffset);
        head = Buffer.alloc(0);
      }
      const take = Math.min(rest.length, bytes.length - filled);
      rest.copy(bytes, filled, 0, take);
      filled += take;
    }
  } catch (error) {
    if (error instanceof NiftiError) throw error;
    const message = (error as Error).message;
    const problem =
      message === 'unexpected end of file'
        ? 'truncated gzip stream (unexpected end of file)'
        : `corrupt gzip data (${message})`;
    throw new NiftiError(file, problem, { cause: error });
  } finally {
    source.destroy();
    gunzip.destroy();
  }
  if (!header) {
    if (head.length < 4 || head.length < headerBytesNeeded(head, file)) {
      throw new NiftiError(file, `not a NIfTI file: it inflates to only ${head.length} bytes, less than a header`);
    }
    header = parseHeader(head, file);
  }
  if (!withData) return { header, bytes: undefined };
  if (!bytes) throw sizeMismatchError(file, header, Math.max(0, head.length - header.voxOffset));
  if (filled < bytes.length) throw sizeMismatchError(file, header, filled);
  return { header, bytes };
}

/** Typed voxels in host (little-endian) order, with scl_slope/scl_inter applied. */
function toVoxels(header: NiftiHeaderInfo, bytes: Buffer): VoxelArray {
  if (!header.littleEndian) {
    if (header.bytesPerVoxel === 2) bytes.swap16();
    else if (header.bytesPerVoxel === 4) bytes.swap32();
    else if (header.bytesPerVoxel === 8) bytes.swap64();
  }
  const count = bytes.length / header.bytesPerVoxel;
  const raw = datatypeByName(header.datatype).create(bytes.buffer as ArrayBuffer, count);
  if (!header.scaling) return raw;
  const { slope, inter } = header.scaling;
  const wide = header.bytesPerVoxel >= 4 && header.datatype !== 'float32';
  const out = wide ? new Float64Array(count) : new Float32Array(count);
  if (raw instanceof BigInt64Array || raw instanceof BigUint64Array) {
    for (let i = 0; i < count; i++) out[i] = Number(raw[i]) * slope + inter;
  } else {
    for (let i = 0; i < count; i++) out[i] = (raw[i] as number) * slope + inter;
  }
  return out;
}

/**
 * Writing NIfTI-1 `.nii` / `.nii.gz` (little-endian, single file, no extensions). The geometry
 * (qform/sform codes, quaternion, qfac, srow, units) is copied from a NiftiGeometry unchanged, so a
 * prediction or a split channel carries its source's orientation. The file appears atomically:
 * it is written under a temporary name and renamed.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { datatypeByName, datatypeOfArray } from './datatypes.js';
import { NiftiError } from './errors.js';
import type { NiftiGeometry, VoxelArray } from './types.js';

/** What the writer needs: voxels in file order (x fastest) and the geometry to keep. */
export interface NiftiWritable {
  /** dims in file order, [x, y, z] or [x, y, z, t]. */
  readonly shape: readonly number[];
  /** Voxel sizes in file order (pixdim[1..]). */
  readonly spacing: readonly number[];
  /** The on-disk datatype is the array's type. */
  readonly data: VoxelArray;
  readonly header: NiftiGeometry;
}

export interface WriteNiftiOptions {
  /** gzip level for `.gz` files, 1 (fast) to 9 (small). Default 6. */
  readonly compressionLevel?: number;
}

const VOX_OFFSET = 352;

/** Writes `volume` to `file` (gzip-compressed when the name ends in `.gz`). */
export async function writeNifti(file: string, volume: NiftiWritable, options: WriteNiftiOptions = {}): Promise<void> {
  const count = volume.shape.reduce((a, b) => a * b, 1);
  if (volume.shape.length < 1 || volume.shape.length > 7) {
    throw new NiftiError(file, `cannot write: expected 1 to 7 dims but received [${volume.shape.join(', ')}]`);
  }
  if (volume.data.length !== count) {
    throw new NiftiError(
      file,
      `cannot write: shape [${volume.shape.join(', ')}] needs ${count} voxels but the data holds ${volume.data.length}`,
    );
  }
  if (volume.shape.some((d) => !Number.isInteger(d) || d < 1 || d > 32767)) {
    throw new NiftiError(file, `cannot write: NIfTI-1 dims must be 1..32767 but received [${volume.shape.join(', ')}]`);
  }
  const header = encodeHeader(volume);
  const body = Buffer.from(volume.data.buffer, volume.data.byteOffset, volume.data.byteLength);
  const temp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const chunks = Readable.from(sliceChunks(header, body), { objectMode: false });
    if (file.endsWith('.gz')) {
      await pipeline(chunks, createGzip({ level: options.compressionLevel ?? 6 }), createWriteStream(temp));
    } else {
      await pipeline(chunks, createWriteStream(temp));
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw new NiftiError(file, `cannot write (${(error as Error).message})`, { cause: error });
  }
}

function* sliceChunks(header: Buffer, body: Buffer): Generator<Buffer> {
  yield header;
  const step = 1 << 22;
  for (let i = 0; i < body.length; i += step) yield body.subarray(i, Math.min(body.length, i + step));
}

/** The 348-byte NIfTI-1 header plus the 4-byte "no extensions" flag. */
export function encodeHeader(volume: Omit<NiftiWritable, 'data'> & { data: VoxelArray }): Buffer {
  const g = volume.header;
  const info = datatypeByName(datatypeOfArray(volume.data));
  const b = Buffer.alloc(VOX_OFFSET);
  b.writeInt32LE(348, 0);
  b.writeInt16LE(volume.shape.length, 40);
  volume.shape.forEach((d, i) => b.writeInt16LE(d, 42 + i * 2));
  for (let i = volume.shape.length; i < 7; i++) b.writeInt16LE(1, 42 + i * 2);
  b.writeInt16LE(info.code, 70);
  b.writeInt16LE(info.bytes * 8, 72);
  b.writeFloatLE(g.qfac < 0 ? -1 : 1, 76);
  for (let i = 0; i < 7; i++) b.writeFloatLE(volume.spacing[i] ?? 1, 80 + i * 4);
  b.writeFloatLE(VOX_OFFSET, 108);
  b.writeFloatLE(1, 112);
  b.writeFloatLE(0, 116);
  b.writeUInt8(g.xyztUnits & 0xff, 123);
  b.write(g.description.slice(0, 79), 148, 'latin1');
  b.writeInt16LE(g.qformCode, 252);
  b.writeInt16LE(g.sformCode, 254);
  g.quatern.slice(0, 6).forEach((v, i) => b.writeFloatLE(v, 256 + i * 4));
  g.srow.forEach((row, r) => row.slice(0, 4).forEach((v, c) => b.writeFloatLE(v, 280 + (r * 4 + c) * 4)));
  b.write('n+1\0', 344, 'latin1');
  return b;
}

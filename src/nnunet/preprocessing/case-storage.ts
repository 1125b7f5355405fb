/**
 * How a case's files hold their voxels, from their headers alone: what loadCase (load-case.ts) will
 * keep in memory per voxel, and what it holds only while converting. The memory estimates
 * (estimate.ts) need it: a CT stored as int16 is kept as int16 (2 bytes a voxel), other types as
 * float32 (4), with copies while converting.
 */
import { readNiftiHeader } from '../../io/nifti/read.js';
import type { NiftiHeaderSummary } from '../../io/nifti/read.js';
import type { CaseSource } from '../dataset/cases.js';

export interface CaseStorage {
  /** Bytes per voxel of each loaded channel: 2 (int16 kept as stored) or 4 (float32). */
  readonly channelBytes: 2 | 4;
  /** Bytes per voxel held only while the channels and the label are read and converted (all channels). */
  readonly readingBytes: number;
  /**
   * Bytes per voxel that stay allocated as garbage after reading (the raw copy behind scl_slope/scl_inter
   * scaling, made inside the reader): counted in every later phase, as no collection is guaranteed.
   */
  readonly lingeringBytes: number;
}

/** What the estimates assume when the headers are not at hand: float32 files, nothing converted. */
export const FLOAT32_STORAGE: CaseStorage = { channelBytes: 4, readingBytes: 0, lingeringBytes: 0 };

type Header = Pick<NiftiHeaderSummary, 'datatype' | 'bytesPerVoxel' | 'scaling'>;

const keptAsInt16 = (h: Header) => h.scaling === undefined && ['int16', 'int8', 'uint8'].includes(h.datatype);

/** The storage of channels and a label with these headers (loadCase's rules). */
export function storageOf(channels: readonly Header[], label: Header): CaseStorage {
  const channelBytes = channels.every(keptAsInt16) ? 2 : 4;
  let readingBytes = 0;
  let lingeringBytes = 0;
  for (const h of channels) {
    if (h.scaling !== undefined) {
      // The reader makes a float32 (float64 for wide types) copy and drops the raw bytes as garbage.
      const wide = h.bytesPerVoxel >= 4 && h.datatype !== 'float32';
      lingeringBytes += h.bytesPerVoxel;
      if (wide) readingBytes += 8; // float64, then converted to the float32 kept
    } else if (!(channelBytes === 2 ? h.datatype === 'int16' : h.datatype === 'float32')) {
      readingBytes += h.bytesPerVoxel; // the raw array while it is converted, then released
    }
  }
  if (label.scaling !== undefined) lingeringBytes += label.bytesPerVoxel;
  else if (label.datatype !== 'uint8' && label.datatype !== 'int8') readingBytes += label.bytesPerVoxel;
  return { channelBytes, readingBytes, lingeringBytes };
}

/**
 * Reads the headers of a case's channel and label files. A file that cannot be read gives
 * FLOAT32_STORAGE: reading the case itself then reports the problem, with the case named.
 */
export async function caseStorage(source: CaseSource): Promise<CaseStorage> {
  try {
    const channels = await Promise.all(source.images.map((f) => readNiftiHeader(f)));
    return storageOf(channels, await readNiftiHeader(source.label));
  } catch {
    return FLOAT32_STORAGE;
  }
}

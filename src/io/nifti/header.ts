/**
 * NIfTI-1 / NIfTI-2 header parsing (either byte order) on top of nifti-reader-js, with the checks
 * that turn a bad header into an error naming the file and the field.
 */
import { NIFTI1, NIFTI2 } from 'nifti-reader-js';
import { NiftiError } from './errors.js';
import { datatypeByCode, describeUnsupportedCode } from './datatypes.js';
import type { NiftiDatatype, NiftiGeometry } from './types.js';

export const NIFTI1_HEADER_BYTES = 348;
export const NIFTI2_HEADER_BYTES = 540;

export interface NiftiHeaderInfo {
  readonly version: 1 | 2;
  readonly littleEndian: boolean;
  /** dim[1..dim[0]] in file order. */
  readonly shape: number[];
  /** pixdim[1..dim[0]] in file order. */
  readonly spacing: number[];
  readonly datatype: NiftiDatatype;
  readonly bytesPerVoxel: number;
  /** Byte offset of the first voxel in the (uncompressed) file. */
  readonly voxOffset: number;
  /** Scaling to apply, or undefined when it is the identity. */
  readonly scaling: { slope: number; inter: number } | undefined;
  readonly geometry: NiftiGeometry;
}

/** Which header the first bytes of an uncompressed NIfTI stream hold, from sizeof_hdr. */
export function headerBytesNeeded(prefix: Buffer, file: string): 348 | 540 {
  if (prefix.length < 4) throw new NiftiError(file, `not a NIfTI file: only ${prefix.length} bytes`);
  const le = prefix.readInt32LE(0);
  const be = prefix.readInt32BE(0);
  if (le === NIFTI1_HEADER_BYTES || be === NIFTI1_HEADER_BYTES) return NIFTI1_HEADER_BYTES;
  if (le === NIFTI2_HEADER_BYTES || be === NIFTI2_HEADER_BYTES) return NIFTI2_HEADER_BYTES;
  throw new NiftiError(file, `not a NIfTI file: sizeof_hdr is ${le}, expected 348 (NIfTI-1) or 540 (NIfTI-2)`);
}

/** Parses the header held by `bytes` (at least 348 or 540 bytes, as headerBytesNeeded says). */
export function parseHeader(bytes: Buffer, file: string): NiftiHeaderInfo {
  const size = headerBytesNeeded(bytes, file);
  if (bytes.length < size) {
    throw new NiftiError(file, `truncated header: ${bytes.length} of ${size} bytes present`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, size);
  const raw = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + size) as ArrayBuffer;
  const version = size === NIFTI1_HEADER_BYTES ? 1 : 2;
  const magic = bytes.toString('latin1', version === 1 ? 344 : 4, version === 1 ? 347 : 7);
  if (version === 1 && magic !== 'n+1') {
    if (magic === 'ni1') throw new NiftiError(file, 'a .hdr/.img pair header; only single-file .nii/.nii.gz is supported');
    throw new NiftiError(file, 'not a NIfTI file: no NIfTI-1 magic "n+1" (an Analyze 7.5 header?)');
  }
  if (version === 2 && magic !== 'n+2') {
    if (magic === 'ni2') throw new NiftiError(file, 'a .hdr/.img pair header; only single-file .nii/.nii.gz is supported');
    throw new NiftiError(file, 'not a NIfTI file: no NIfTI-2 magic "n+2"');
  }
  const h = version === 1 ? new NIFTI1() : new NIFTI2();
  try {
    h.readHeader(raw);
  } catch (error) {
    throw new NiftiError(file, `unreadable header: ${(error as Error).message}`, { cause: error });
  }
  const littleEndian = h.littleEndian;

  const ndim = h.dims[0] ?? 0;
  if (!Number.isInteger(ndim) || ndim < 1 || ndim > 7) {
    throw new NiftiError(file, `bad header: dim[0] is ${ndim}, expected 1 to 7`);
  }
  const shape = h.dims.slice(1, ndim + 1);
  shape.forEach((d, i) => {
    if (!Number.isInteger(d) || d < 1) throw new NiftiError(file, `bad header: dim[${i + 1}] is ${d}, expected >= 1`);
  });
  const spacing = h.pixDims.slice(1, ndim + 1);

  const info = datatypeByCode(h.datatypeCode);
  if (!info) throw new NiftiError(file, `unknown datatype: ${describeUnsupportedCode(h.datatypeCode)}`);

  const minOffset = size + 4;
  const voxOffset = Math.max(Math.floor(h.vox_offset), minOffset);

  const slope = h.scl_slope;
  const inter = Number.isFinite(h.scl_inter) ? h.scl_inter : 0;
  const scaling =
    !Number.isFinite(slope) || slope === 0 || (slope === 1 && inter === 0) ? undefined : { slope, inter };

  const srow = readSrow(view, version, littleEndian);
  const qfac = h.pixDims[0] === -1 ? -1 : 1;
  return {
    version,
    littleEndian,
    shape,
    spacing,
    datatype: info.name,
    bytesPerVoxel: info.bytes,
    voxOffset,
    scaling,
    geometry: {
      version,
      qformCode: h.qform_code,
      sformCode: h.sform_code,
      quatern: [h.quatern_b, h.quatern_c, h.quatern_d, h.qoffset_x, h.qoffset_y, h.qoffset_z],
      qfac,
      srow,
      xyztUnits: h.xyzt_units,
      description: cString(bytes, version === 1 ? 148 : 240, 80),
    },
  };
}

/** A NUL-terminated latin1 field (nifti-reader-js drops NULs but keeps what follows them). */
function cString(bytes: Buffer, start: number, length: number): string {
  const field = bytes.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.toString('latin1', 0, end < 0 ? field.length : end);
}

/** The raw srow_x/y/z rows (nifti-reader-js only exposes them when it picks the sform). */
function readSrow(view: DataView, version: 1 | 2, littleEndian: boolean): number[][] {
  return [0, 1, 2].map((row) =>
    [0, 1, 2, 3].map((col) =>
      version === 1
        ? view.getFloat32(280 + (row * 4 + col) * 4, littleEndian)
        : view.getFloat64(400 + (row * 4 + col) * 8, littleEndian),
    ),
  );
}

/** Shapes of the NIfTI layer (src/io/nifti/). Only types here. */

export type NiftiDatatype =
  | 'uint8' | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64' | 'float32' | 'float64';

export type VoxelArray =
  | Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Uint32Array
  | BigInt64Array | BigUint64Array | Float32Array | Float64Array;

/**
 * A volume as read from or written to a NIfTI file. Voxels are in file order: x fastest, so the
 * buffer is also a C-order array of shape [..., z, y, x] (nnU-Net's (z, y, x) order).
 */
export interface NiftiVolume {
  /** NIfTI dims in file order: [x, y, z] or [x, y, z, t]. */
  readonly shape: readonly number[];
  /** Voxel sizes in file order (pixdim[1..]). */
  readonly spacing: readonly number[];
  /** 4x4 voxel-to-world matrix (RAS+): the sform when sform_code > 0, else the qform. */
  readonly affine: readonly (readonly number[])[];
  /** On-disk datatype. */
  readonly datatype: NiftiDatatype;
  /** Voxels with scl_slope/scl_inter applied (float when scaling is not the identity). */
  readonly data: VoxelArray;
  /** The header fields needed to write the geometry back unchanged. */
  readonly header: NiftiGeometry;
}

/** Geometry and bookkeeping fields kept from the source header and written back unchanged. */
export interface NiftiGeometry {
  readonly version: 1 | 2;
  readonly qformCode: number;
  readonly sformCode: number;
  /** quatern_b, quatern_c, quatern_d, qoffset_x, qoffset_y, qoffset_z. */
  readonly quatern: readonly number[];
  /** qfac (pixdim[0]): -1 or 1. */
  readonly qfac: number;
  /** srow_x, srow_y, srow_z (3 rows of 4). */
  readonly srow: readonly (readonly number[])[];
  readonly xyztUnits: number;
  readonly description: string;
}

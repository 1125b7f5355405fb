/** NIfTI I/O: the public surface of src/io/nifti/. */
export type { NiftiDatatype, NiftiGeometry, NiftiVolume, VoxelArray } from './types.js';
export { NiftiError } from './errors.js';
export { readNifti, readNiftiHeader, isGzipFile, type NiftiHeaderSummary } from './read.js';
export type { NiftiHeaderInfo } from './header.js';
export { writeNifti, type NiftiWritable, type WriteNiftiOptions } from './write.js';
export { affineOf, geometryFromAffine } from './affine.js';
export { assertFiniteVoxels, countNonFinite, uniqueValues } from './check.js';
export { datatypeOfArray } from './datatypes.js';

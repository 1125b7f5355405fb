/**
 * Estimated peak voxel memory of checking one case: every image file and the label held at once,
 * at their on-disk width, plus a float copy where scl_slope/scl_inter apply. Read from headers only.
 */
import { readNiftiHeader } from '../../../io/nifti/read.js';
import { isFile } from './task-folder.js';

export async function estimateCaseBytes(files: readonly string[], fullRead: (file: string) => boolean): Promise<number> {
  let total = 0;
  for (const file of files) {
    if (!fullRead(file) || !(await isFile(file))) continue;
    try {
      const h = await readNiftiHeader(file);
      const voxels = h.shape.reduce((a, b) => a * b, 1);
      const scaledCopy = h.scaling ? (h.bytesPerVoxel >= 4 && h.datatype !== 'float32' ? 8 : 4) : 0;
      total += voxels * (h.bytesPerVoxel + scaledCopy);
    } catch {
      // Unreadable headers are reported by the case check itself.
    }
  }
  return total;
}

export function formatGb(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(2)} GB`;
}

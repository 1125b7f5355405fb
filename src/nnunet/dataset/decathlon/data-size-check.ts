/**
 * First check on a case's files, before any memory estimate is made from their headers: does each file hold the
 * voxel data its header promises? A header claiming 32767³ voxels over a 128×128×24 volume is a broken file, not
 * a reason to raise memory_gb. Unreadable headers are left to inspectCase, which reports them in full.
 */
import { relative } from 'node:path';
import { assertDataSize } from '../../../io/nifti/data-size.js';
import { NiftiError } from '../../../io/nifti/errors.js';
import { isGzipFile, readNiftiHeader } from '../../../io/nifti/read.js';
import { isFile } from './task-folder.js';

/** `<id>: <role> <path in task>: header/data size mismatch: …` for each file that holds less than its header says. */
export async function dataSizeProblems(id: string, files: readonly { role: 'image' | 'label'; file: string }[],
  taskDir: string): Promise<string[]> {
  const problems: string[] = [];
  for (const { role, file } of files) {
    if (!(await isFile(file))) continue;
    let header;
    let gzip;
    try {
      gzip = await isGzipFile(file);
      header = await readNiftiHeader(file);
    } catch {
      continue; // reported by inspectCase
    }
    try {
      await assertDataSize(file, header, gzip);
    } catch (error) {
      if (!(error instanceof NiftiError)) throw error;
      problems.push(`${id}: ${role} ${relative(taskDir, error.file)}: ${error.problem}`);
    }
  }
  return problems;
}

/**
 * The MSD task folder on disk: which NIfTI files each subfolder holds (hidden files such as macOS
 * `._liver_0.nii.gz` AppleDouble companions are ignored, never deleted), and which files a listed
 * case uses: either the listed file itself (3D, or 4D multi-channel) or nnU-Net-style channel files
 * `<id>_0000.nii.gz`, `<id>_0001.nii.gz`, ... beside it.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';

export const TASK_SUBFOLDERS = ['imagesTr', 'labelsTr', 'imagesTs'] as const;

/** Absolute paths of the visible `.nii.gz` files directly in `dir` (empty when it does not exist). */
export async function listNiftiFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names
    .filter((n) => !n.startsWith('.') && n.endsWith('.nii.gz'))
    .sort()
    .map((n) => join(dir, n));
}

export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

export async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** A listed path (`./imagesTr/x.nii.gz`) as an absolute path, or undefined if it leaves the task folder. */
export function resolveListed(taskDir: string, listed: string): string | undefined {
  const abs = resolve(taskDir, listed);
  const rel = relative(taskDir, abs);
  return rel.startsWith('..') || rel === '' ? undefined : abs;
}

/** The image files of a listed image: the file itself, or its `_%04d` channel files. */
export async function resolveImageFiles(
  listedAbs: string,
  channels: number,
): Promise<{ kind: 'single'; file: string } | { kind: 'channels'; files: string[] } | { kind: 'missing'; tried: string[] }> {
  if (await isFile(listedAbs)) return { kind: 'single', file: listedAbs };
  const stem = basename(listedAbs).replace(/\.nii\.gz$/, '');
  const files = Array.from({ length: channels }, (_, c) => join(dirname(listedAbs), `${stem}_${String(c).padStart(4, '0')}.nii.gz`));
  const present = await Promise.all(files.map(isFile));
  if (present.every(Boolean)) return { kind: 'channels', files };
  return { kind: 'missing', tried: [listedAbs, ...files.filter((_, i) => !present[i])] };
}

/**
 * The images a predict stage works on: a folder of NIfTI files (`<id>_0000.nii.gz`, `<id>_0001...`
 * for several channels, or `<id>.nii.gz`), or the test cases of a convert_decathlon output.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConvertedDataset } from '../dataset/decathlon/manifest.js';

export interface ImageCase {
  readonly id: string;
  readonly files: readonly string[];
}

export async function imagesInFolder(dir: string): Promise<ImageCase[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => /\.nii(\.gz)?$/.test(n) && !n.startsWith('._') && !n.startsWith('.'));
  } catch (cause) {
    throw new Error(`${dir}: cannot list the images to predict (${(cause as Error).message})`, { cause });
  }
  const byId = new Map<string, Map<number, string>>();
  for (const name of names.sort()) {
    const m = /^(.*)_(\d{4})\.nii(\.gz)?$/.exec(name);
    const id = m ? (m[1] as string) : name.replace(/\.nii(\.gz)?$/, '');
    const channel = m ? Number(m[2]) : 0;
    const entry = byId.get(id) ?? new Map<number, string>();
    if (entry.has(channel)) throw new Error(`${dir}: two files for case ${id} channel ${channel}`);
    entry.set(channel, join(dir, name));
    byId.set(id, entry);
  }
  if (byId.size === 0) throw new Error(`${dir}: no .nii or .nii.gz images to predict`);
  return [...byId.entries()].map(([id, ch]) => {
    const files = [...ch.entries()].sort((a, b) => a[0] - b[0]);
    files.forEach(([c], i) => {
      if (c !== i) throw new Error(`${dir}: case ${id} lacks channel ${i} (found ${files.map(([k]) => k).join(', ')})`);
    });
    return { id, files: files.map(([, f]) => f) };
  });
}

export async function testCasesOfConvert(dir: string): Promise<ImageCase[]> {
  const d = await loadConvertedDataset(dir);
  return d.test.map((c) => ({ id: c.id, files: c.images }));
}

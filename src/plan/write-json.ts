import { rename, writeFile } from 'node:fs/promises';

/** Writes pretty JSON through a temporary name, so a reader never sees half a file. */
export async function writeJsonFile(file: string, value: unknown, indent = 2): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(value, null, indent)}\n`);
  await rename(tmp, file);
}

import { rename, writeFile } from 'node:fs/promises';

/** JSON with 2-space indentation, but arrays of numbers/strings/booleans kept on one line. */
export function formatJson(value: unknown): string {
  const text = JSON.stringify(value, null, 2);
  // An array whose items are all primitives: collapse its lines.
  return text.replace(/\[\n\s+([^[\]{}]*?)\n\s*\]/g, (_m, body: string) => `[${body.split(/,\n\s*/).join(', ')}]`);
}

/** Writes JSON through a temporary name, so a reader never sees half a file. Compact when `pretty` is false. */
export async function writeJsonFile(file: string, value: unknown, pretty = true): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, `${pretty ? formatJson(value) : JSON.stringify(value)}\n`);
  await rename(tmp, file);
}

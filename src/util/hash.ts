/** SHA-256 helpers: hex digests of strings and of files (streamed, never read whole). */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export function sha256Hex(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

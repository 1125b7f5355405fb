/**
 * Pipeline files are UTF-8. A byte sequence that is not (a Latin-1 `é`, a stray 0xff) would otherwise be
 * replaced by U+FFFD and the altered command would run; instead it is a located error.
 */
import { PipelineError } from './diagnostics.js';

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lossy = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/** Length of the valid UTF-8 sequence starting at `i`, or 0 when the bytes there are not UTF-8 (RFC 3629). */
function sequenceLength(bytes: Uint8Array, i: number): number {
  const b0 = bytes[i] ?? 0;
  if (b0 < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => {
    const b = bytes[i + k];
    return b !== undefined && b >= lo && b <= hi;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const [lo, hi] = b0 === 0xe0 ? [0xa0, 0xbf] : b0 === 0xed ? [0x80, 0x9f] : [0x80, 0xbf];
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const [lo, hi] = b0 === 0xf0 ? [0x90, 0xbf] : b0 === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/** Byte offset of the first byte that does not start a valid UTF-8 sequence, or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const n = sequenceLength(bytes, i);
    if (n === 0) return i;
    i += n;
  }
  return -1;
}

/**
 * The file's text, or a PipelineError at `file:line:col` of the first invalid byte (the source line
 * is shown with U+FFFD in its place, the caret under it).
 */
export function decodePipelineText(file: string, bytes: Uint8Array): string {
  try {
    return strict.decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    const offset = at === -1 ? 0 : at;
    const text = lossy.decode(bytes);
    const start = lossy.decode(bytes.subarray(0, offset)).length;
    const byte = (bytes[offset] ?? 0).toString(16).padStart(2, '0');
    throw new PipelineError(
      [{ message: `invalid UTF-8: byte 0x${byte} at byte offset ${offset} is not UTF-8 (save the file as UTF-8)`, span: { file, start, end: start + 1 } }],
      new Map([[file, text]]),
    );
  }
}

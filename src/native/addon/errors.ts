// NativeError: a failure inside the native runtime, with its code and the caller's stack.
//   EPLAN_MISMATCH  checkpoint and plan differ (message names the fields)
//   ECHECKPOINT     not a readable pipe checkpoint of this format version
//   EINVALID        options the native side refused
//   ENATIVE_OOM     out of memory (message names batch and patch size and suggests smaller)
//   ENATIVE_IO      a native file write failed (message starts with the errno's name, e.g. ENOSPC, and names the file)
//   ENATIVE         any other LibTorch / C++ error (LibTorch's message)
export type NativeErrorCode = 'EPLAN_MISMATCH' | 'ECHECKPOINT' | 'EINVALID' | 'ENATIVE_OOM' | 'ENATIVE_IO' | 'ENATIVE';

export class NativeError extends Error {
  override name = 'NativeError';
  readonly code: NativeErrorCode;

  constructor(code: string, message: string, callSite?: Error, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = (['EPLAN_MISMATCH', 'ECHECKPOINT', 'EINVALID', 'ENATIVE_OOM', 'ENATIVE_IO'].includes(code)
      ? code
      : 'ENATIVE') as NativeErrorCode;
    // Show the caller's stack, not the event loop's.
    if (callSite?.stack) this.stack = `${this.name}: ${message}\n${callSite.stack.split('\n').slice(1).join('\n')}`;
  }
}

/** Converts a rejection from the binding (an Error with .code) into a NativeError at the caller's site. */
export function toNativeError(error: unknown, callSite: Error): NativeError {
  if (error instanceof NativeError) return error;
  if (error instanceof Error) {
    const code = (error as Error & { code?: unknown }).code;
    return new NativeError(typeof code === 'string' ? code : 'ENATIVE', error.message, callSite, error);
  }
  return new NativeError('ENATIVE', String(error), callSite);
}

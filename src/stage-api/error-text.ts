/**
 * How an error that ended a stage reads in its log (and in the failure tail `pipe run` prints).
 * An error a stage raises on purpose (a DatasetError listing the problems, a NativeError, an
 * "Expected ..." Error) is for the user: its message, and its causes, without a JavaScript stack.
 * JavaScript's own error classes (TypeError, ReferenceError, ...) mean a bug: "Internal error:" and
 * the stack. PIPE_DEBUG=1 (`pipe --debug`) shows every stack.
 */

/** Error classes that the language raises on a programming mistake. */
const BUG_NAMES = new Set(['TypeError', 'ReferenceError', 'RangeError', 'SyntaxError', 'EvalError', 'URIError', 'AssertionError']);

export function isDebug(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  const v = env['PIPE_DEBUG'];
  return v !== undefined && v !== '' && v !== '0';
}

function headline(error: Error): string {
  return error.name === 'Error' || error.message.startsWith(`${error.name}:`) ? error.message : `${error.name}: ${error.message}`;
}

export function errorText(error: unknown, debug = isDebug()): string {
  if (!(error instanceof Error)) return String(error);
  if (debug) return error.stack ?? headline(error);
  if (BUG_NAMES.has(error.name)) return `Internal error: ${error.stack ?? headline(error)}`;
  const lines = [headline(error)];
  for (let cause = error.cause, depth = 0; cause !== undefined && depth < 5; cause = (cause as Error).cause, depth++) {
    lines.push(`  caused by: ${cause instanceof Error ? headline(cause) : String(cause)}`);
  }
  return lines.join('\n');
}

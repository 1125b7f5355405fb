/**
 * The global `--debug` flag (`pipe --debug run ...` or anywhere before `--`): errors print their
 * JavaScript stacks, here and in stage logs (children inherit PIPE_DEBUG=1). Without it a user
 * error is its message alone; only an internal error (a bug) shows its stack.
 */
export function takeDebugFlag(argv: readonly string[]): { debug: boolean; argv: string[] } {
  const end = argv.indexOf('--');
  const head = end === -1 ? argv : argv.slice(0, end);
  const debug = head.includes('--debug');
  if (!debug) return { debug, argv: [...argv] };
  return { debug, argv: [...head.filter((a) => a !== '--debug'), ...(end === -1 ? [] : argv.slice(end))] };
}

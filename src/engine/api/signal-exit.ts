/**
 * The exit code of a run stopped by a signal: 128 + its number, as a shell reports it (130 SIGINT,
 * 143 SIGTERM, 129 SIGHUP). Anything else that interrupts (an aborted AbortSignal without a signal
 * name, from the library API) counts as SIGINT.
 */
const CODES: Readonly<Record<string, number>> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

export function signalExitCode(signal: string | undefined): number {
  return CODES[signal ?? ''] ?? 130;
}

/** Exit codes that mean the run was stopped by a signal pipe handles (not killed: that is 137). */
export function isInterruptExit(code: number | undefined): boolean {
  return Object.values(CODES).includes(code ?? -1);
}

/**
 * A Failure in the words users read: the terminal's FAILED/skip lines, `pipe status`'s reason and the journal's
 * `error` text all come from here, so one failure reads the same everywhere.
 */
import { unreachable } from '../../util/unreachable.js';
import { damagedInputText } from '../cache/rebuild-inputs.js';
import type { Failure } from './events.js';

export function failureText(f: Failure): string {
  switch (f.reason) {
    case 'exit-non-zero':
      return `exit ${f.exitCode}`;
    case 'signal':
      return `killed by ${f.signal}`;
    case 'timeout':
      return `timed out after ${f.timeoutMs / 1000}s`;
    case 'spawn-error':
      return `could not start: ${f.message}`;
    case 'outputs-missing':
      return `declared output(s) missing: ${f.missing.join(', ')}`;
    case 'cluster-job':
      return f.message;
    case 'upstream-failed':
      return `upstream ${f.upstream} ${f.upstreamOutcome}`;
    case 'stopped':
      switch (f.cause) {
        case 'earlier-failure':
          return 'an earlier stage failed (use --keep-going to run independent branches)';
        case 'before-start':
          return 'run stopped before it started';
        case 'runner-died':
          return 'the runner died while this instance ran';
        default:
          return unreachable(f.cause);
      }
    case 'inputs-damaged':
      return damagedInputText(f.inputs);
    case 'internal-error':
      return `Internal error: ${f.message}`;
    default:
      return unreachable(f);
  }
}

/**
 * The composition root of the `pipe` CLI: dispatches to a command, turns SIGINT/SIGTERM/SIGHUP into an
 * abort (a second signal exits at once), and maps errors to exit codes (2 invalid, 3 busy).
 * Commands are imported lazily so a `status` never loads the watcher or the executor.
 */
import { PipelineError } from '../config/diagnostics.js';
import { StoreBusyError } from '../cache/lock.js';
import { USAGE } from './options.js';
import { helpFor } from './help.js';
import { takeDebugFlag } from './debug-flag.js';
import { signalExitCode } from '../api/signal-exit.js';

export async function main(argv: string[]): Promise<number> {
  const { debug, argv: rest } = takeDebugFlag(argv);
  if (debug) process.env['PIPE_DEBUG'] = '1';
  const [command, ...args] = rest;
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals === 1) {
      process.stderr.write(`pipe: ${signal}: stopping running stages...\n`);
      controller.abort({ signal });
    } else process.exit(signalExitCode(signal));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A lost SSH session: by default Node dies at once, like kill -9 (no checkpoint, the run recorded as
  // killed). Handled as SIGTERM instead: the stages checkpoint on the way out, and pipe exits 129.
  process.on('SIGHUP', onSignal);
  // `pipe status | head`: a closed stdout is not an error of ours; stop writing, keep running. After a
  // hang-up the terminal is gone and writes to it fail with EIO: the run still stops cleanly.
  const quietWhenGone = (error: NodeJS.ErrnoException): void => {
    if (error.code !== 'EPIPE' && error.code !== 'EIO' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
  };
  process.stdout.on('error', quietWhenGone);
  process.stderr.on('error', quietWhenGone);
  const help = helpFor(command, args);
  if (help !== undefined) {
    process.stdout.write(`${help}\n`);
    return 0;
  }
  try {
    switch (command) {
      case 'run':
        return await (await import('./run-command.js')).runCommand(args, controller.signal);
      case 'resume':
        return await (await import('./run-command.js')).resumeCommand(args, controller.signal);
      case 'status':
        return await (await import('./status-command.js')).statusCommand(args);
      case 'gc':
        return await (await import('./gc-command.js')).gcCommand(args);
      case 'report':
        return await (await import('./report-command.js')).reportCommand(args);
      case 'verify':
        return await (await import('./verify-command.js')).verifyCommand(args);
      case 'watch':
        return await (await import('./watch-command.js')).watchCommand(args, controller.signal);
      case 'runs':
        return await (await import('./runs-command.js')).runsCommand(args);
      case 'compare':
        return await (await import('./compare-command.js')).compareCommand(args);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n`);
        return command === undefined ? 2 : 0;
      default:
        throw new PipelineError([{ message: `unknown command "${command}": expected run, resume, status, report, runs, compare, verify, gc or watch` }]);
    }
  } catch (error) {
    if (error instanceof PipelineError) {
      process.stderr.write(`${error.format()}\n${debug ? `${error.stack ?? ''}\n` : ''}`);
      return 2;
    }
    if (error instanceof StoreBusyError) {
      process.stderr.write(`pipe: ${error.message}\n`);
      return 3;
    }
    process.stderr.write(`pipe: Internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}

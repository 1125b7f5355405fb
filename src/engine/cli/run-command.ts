/** `pipe run` and `pipe resume`: flags -> runPipeline / resumePipeline. */
import { runPipeline, resumePipeline, type RunOptions } from '../api/run.js';
import { PipelineError } from '../config/diagnostics.js';
import { jsonLogger } from '../log/json-lines.js';
import { terminalLogger } from '../log/terminal.js';
import { withReportPaths } from '../log/report-paths.js';
import { progressOptions } from './progress-option.js';
import { deviceKind, deviceList, parse, positiveInt, RUN_FLAGS, type ParsedArgs } from './options.js';

export function runOptionsFrom(values: ParsedArgs['values'], signal: AbortSignal, command: string): RunOptions {
  const str = (k: string): string | undefined => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  const devices = deviceList(str('devices'));
  const kind = deviceKind(str('device-kind'));
  const jobs = positiveInt('jobs', str('jobs'));
  const set = values['set'] as string[] | undefined;
  const progress = progressOptions(str('progress'));
  const executor = str('executor');
  if (executor !== undefined && executor !== 'local' && executor !== 'slurm') throw new PipelineError([{ message: `Expected local or slurm for --executor but received "${executor}"` }]);
  return {
    ...(executor !== undefined ? { executor } : {}),
    ...(values['detach'] ? { detach: true } : {}),
    ...(set ? { overrides: set } : {}),
    ...(jobs !== undefined ? { jobs } : {}),
    ...(devices ? { devices } : {}),
    ...(kind ? { deviceKind: kind } : {}),
    ...(values['keep-going'] ? { keepGoing: true } : {}),
    dryRun: values['dry-run'] === true,
    wait: values['wait'] === true,
    logger: values['json'] ? jsonLogger() : withReportPaths(terminalLogger(process.stdout, { progress: progress.mode, plainIntervalMs: progress.plainIntervalMs })),
    signal,
    command,
  };
}

export async function runCommand(args: string[], signal: AbortSignal): Promise<number> {
  const { values, positionals } = parse('run', args, RUN_FLAGS);
  const [file, ...targets] = positionals;
  if (file === undefined) throw new PipelineError([{ message: 'pipe run: expected a pipeline file (pipe run FILE [STAGE...])' }]);
  const result = await runPipeline(file, { ...runOptionsFrom(values, signal, `pipe run ${args.join(' ')}`), targets });
  return result.exitCode;
}

export async function resumeCommand(args: string[], signal: AbortSignal): Promise<number> {
  const { values, positionals } = parse('resume', args, RUN_FLAGS);
  const options = runOptionsFrom(values, signal, `pipe resume ${args.join(' ')}`);
  const { overrides, ...rest } = options;
  const result = await resumePipeline(positionals[0], values['set'] ? { ...rest, ...(overrides ? { overrides } : {}) } : rest);
  return result.exitCode;
}

/** `pipe watch FILE`: flags -> watch. */
import { PipelineError } from '../config/diagnostics.js';
import { watch } from '../api/watch.js';
import { parse, RUN_FLAGS } from './options.js';
import { runOptionsFrom } from './run-command.js';

export async function watchCommand(args: string[], signal: AbortSignal): Promise<number> {
  const { values, positionals } = parse('watch', args, RUN_FLAGS);
  const [file, ...targets] = positionals;
  if (file === undefined) throw new PipelineError([{ message: 'pipe watch: expected a pipeline file (pipe watch FILE)' }]);
  await watch(file, { ...runOptionsFrom(values, signal, `pipe watch ${args.join(' ')}`), targets });
  return signal.aborted ? 130 : 0;
}

/**
 * Runs a built-in stage instance: `node dist/stage-child.js` (see `src/stage-child.ts`) with PIPE_CONTEXT naming a
 * JSON file of StageContextData. Loads the kind, validates and defaults `with` against its schema,
 * runs it with a reporter that prints `::pipe::` lines, and exits 0 on success or 1 with the error on
 * stderr (its message, without a stack unless it is a bug or PIPE_DEBUG is set: see error-text.ts).
 * SIGTERM/SIGINT abort `ctx.signal`; the stage should checkpoint and return or throw.
 */
import { readFileSync } from 'node:fs';
import { compileWithSchema } from './with-schema.js';
import { encodeMessage } from './protocol.js';
import { stageFailureText } from './failure-text.js';
import { loadBuiltin, knownKinds } from './registry.js';
import type { StageContext, StageContextData, StageReporter } from './types.js';

async function main(): Promise<number> {
  const contextPath = process.env['PIPE_CONTEXT'];
  if (contextPath === undefined || contextPath === '') {
    process.stderr.write('pipe child: PIPE_CONTEXT is not set (it names the stage context JSON file written by the engine)\n');
    return 1;
  }
  const data = JSON.parse(readFileSync(contextPath, 'utf8')) as StageContextData;
  const stage = await loadBuiltin(data.kind);
  if (stage === undefined) {
    process.stderr.write(`pipe child: unknown stage kind "${data.kind}": expected one of ${(await knownKinds()).join(', ')}\n`);
    return 1;
  }
  const withParams = structuredClone(data.with) as Record<string, unknown>;
  const validate = await compileWithSchema(stage.withSchema);
  if (!validate(withParams)) {
    process.stderr.write(`pipe child: invalid "with" for ${data.kind}: ${JSON.stringify(validate.errors)}\n`);
    return 1;
  }
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(sig === 'SIGINT' ? 130 : 143);
    controller.abort(new Error(`stage interrupted by ${sig}`));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const report: StageReporter = {
    log: (message) => process.stdout.write(encodeMessage({ type: 'log', message })),
    progress: (p) => process.stdout.write(encodeMessage({ type: 'progress', ...p })),
    metrics: (values) => process.stdout.write(encodeMessage({ type: 'metrics', values })),
  };
  const ctx: StageContext = { ...data, with: withParams, signal: controller.signal, report };
  await stage.run(ctx);
  return controller.signal.aborted ? 1 : 0;
}

/** Exits once stdout and stderr are flushed, even if the stage left timers or threads behind. */
function exitFlushed(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

/** Runs the kind named by PIPE_CONTEXT and exits with its status. */
export function runStageChild(): void {
  main().then(exitFlushed, (error: unknown) => {
    process.stderr.write(`${stageFailureText(error)}\n`);
    exitFlushed(1);
  });
}

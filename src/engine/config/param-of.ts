/**
 * The param behind a value of the pipeline file: when the value at `path` is written as exactly one
 * `${params.x}` reference, `x` (so that an error can say `--set params.x=...` instead of naming a
 * field the user never wrote a value into).
 */
import type { Pipeline } from './types.js';

const ONE_PARAM = /^\$\{params\.([A-Za-z_][A-Za-z0-9_.-]*)\}$/;

export function paramOf(pipeline: Pick<Pipeline, 'spanOf' | 'text'>, path: ReadonlyArray<string | number>): string | undefined {
  const span = pipeline.spanOf(path);
  const raw = pipeline.text.slice(span.start, span.end).trim().replace(/^(['"])(.*)\1$/s, '$2');
  return ONE_PARAM.exec(raw)?.[1];
}

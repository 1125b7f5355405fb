/**
 * Reads a pipeline file and parses it with `yaml`, keeping node ranges so that every later error can
 * point at `file:line:col`. Knows nothing about what a valid pipeline is (see validate.ts).
 */
import { readFileSync } from 'node:fs';
import { isMap, isPair, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import { PipelineError, type Diagnostic } from './diagnostics.js';
import type { SourceSpan } from './types.js';

/** The parsed file: its plain-data value plus a way back from a data path to a source span. */
export interface RawDocument {
  readonly file: string;
  readonly text: string;
  readonly value: unknown;
  /** Span of the value at `path` (or of its key when `key` is set), else of the nearest ancestor. */
  spanOf(path: ReadonlyArray<string | number>, key?: boolean): SourceSpan;
}

export function readPipelineFile(file: string): RawDocument {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new PipelineError([{ message: `cannot read pipeline file ${file}: ${(error as Error).message}` }]);
  }
  return parsePipelineText(file, text);
}

export function parsePipelineText(file: string, text: string): RawDocument {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, strict: true });
  // An error at the end of the file (an unclosed bracket) points at the last character instead.
  const last = Math.max(0, text.trimEnd().length - 1);
  const diagnostics: Diagnostic[] = [...doc.errors, ...doc.warnings].map((e) => ({
    message: `invalid YAML: ${e.message.split('\n')[0] ?? e.code}`,
    span: e.pos[0] > last ? { file, start: last, end: last + 1 } : { file, start: e.pos[0], end: Math.max(e.pos[1], e.pos[0] + 1) },
  }));
  if (diagnostics.length > 0) throw new PipelineError(diagnostics, new Map([[file, text]]));
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
  return { file, text, value, spanOf: (path, key = false) => spanOf(doc, file, text, path, key) };
}

function nodeSpan(file: string, node: Node | null | undefined, fallback: SourceSpan): SourceSpan {
  const range = node?.range;
  if (range === undefined || range === null) return fallback;
  return { file, start: range[0], end: Math.max(range[1], range[0] + 1) };
}

function spanOf(doc: Document, file: string, text: string, path: ReadonlyArray<string | number>, key: boolean): SourceSpan {
  let span: SourceSpan = { file, start: 0, end: Math.max(1, Math.min(text.length, text.indexOf('\n') >>> 0)) };
  let node: unknown = doc.contents;
  span = nodeSpan(file, node as Node, span);
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (pair === undefined) return span;
      if (last && key) return nodeSpan(file, pair.key as Node, span);
      node = pair.value;
      span = nodeSpan(file, (pair.value ?? pair.key) as Node, span);
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item === undefined) return span;
      node = item;
      span = nodeSpan(file, item as Node, span);
    } else {
      return span;
    }
  }
  return span;
}

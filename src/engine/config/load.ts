/**
 * Reads a pipeline file and parses it with `yaml`, keeping node ranges so that every later error can
 * point at `file:line:col`. Knows nothing about what a valid pipeline is (see validate.ts).
 */
import { readFileSync } from 'node:fs';
import { isAlias, isMap, isPair, isScalar, isSeq, parseDocument, visit, type Alias, type Document, type Node } from 'yaml';
import { PipelineError, type Diagnostic } from './diagnostics.js';
import type { SourceSpan } from './types.js';
import { duplicateKeys } from './unique-keys.js';
import { decodePipelineText } from './utf8.js';

/**
 * yaml's cap on alias expansion (`maxAliasCount`): an anchor's uses times the aliases inside it. Nested
 * aliases multiply (9 aliases of 9 aliases of ... is an "alias bomb"); past the cap loading stops.
 */
export const MAX_ALIAS_COUNT = 100;

/** The parsed file: its plain-data value plus a way back from a data path to a source span. */
export interface RawDocument {
  readonly file: string;
  readonly text: string;
  readonly value: unknown;
  /** Span of the value at `path` (or of its key when `key` is set), else of the nearest ancestor. */
  spanOf(path: ReadonlyArray<string | number>, key?: boolean): SourceSpan;
}

export function readPipelineFile(file: string): RawDocument {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new PipelineError([{ message: `cannot read pipeline file ${file}: ${(error as Error).message}` }]);
  }
  return parsePipelineText(file, decodePipelineText(file, bytes));
}

export function parsePipelineText(file: string, text: string): RawDocument {
  // uniqueKeys: false: duplicateKeys() checks them in linear time (yaml's own check is quadratic).
  const doc = parseDocument(text, { uniqueKeys: false, prettyErrors: false, strict: true });
  // An error at the end of the file (an unclosed bracket) points at the last character instead.
  const last = Math.max(0, text.trimEnd().length - 1);
  const diagnostics: Diagnostic[] = [...doc.errors, ...doc.warnings].map((e) => ({
    message: `invalid YAML: ${e.message.split('\n')[0] ?? e.code}`,
    span: e.pos[0] > last ? { file, start: last, end: last + 1 } : { file, start: e.pos[0], end: Math.max(e.pos[1], e.pos[0] + 1) },
  }));
  diagnostics.push(...duplicateKeys(doc, file));
  diagnostics.sort((a, b) => (a.span?.start ?? 0) - (b.span?.start ?? 0));
  if (diagnostics.length > 0) throw new PipelineError(diagnostics, new Map([[file, text]]));
  const value = toValue(doc, file, text);
  return { file, text, value, spanOf: (path, key = false) => spanOf(doc, file, text, path, key) };
}

/** The document's plain value; an alias that cannot be expanded (over the cap, unresolved) is a located error. */
function toValue(doc: Document, file: string, text: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    const excessive = /excessive alias count/i.test(error.message);
    const message = excessive
      ? `invalid YAML: aliases expand beyond the cap of ${MAX_ALIAS_COUNT} (yaml maxAliasCount; nested aliases multiply, as in an alias bomb): write the repeated values out`
      : `invalid YAML: ${error.message}`;
    const at = excessive ? amplifyingAlias(doc) : undefined;
    const span = at?.range ? { file, start: at.range[0], end: Math.max(at.range[1], at.range[0] + 1) } : { file, start: 0, end: 1 };
    throw new PipelineError([{ message, span }], new Map([[file, text]]));
  }
}

/** Where an expansion multiplies: the first alias of an anchor that itself holds aliases, else the first alias. */
function amplifyingAlias(doc: Document): Alias | undefined {
  let first: Alias | undefined;
  let nested: Alias | undefined;
  visit(doc, {
    Alias(_, alias) {
      first ??= alias;
      const target = alias.resolve(doc);
      let holdsAlias = false;
      if (target !== undefined && !isAlias(target)) visit(target, { Alias: () => ((holdsAlias = true), visit.BREAK) });
      if (holdsAlias) {
        nested = alias;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return nested ?? first;
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

/**
 * Located diagnostics: `file:line:col: error: message`, the source line and a squiggle under the
 * offending text. `PipelineError` carries a list of them across the API (the CLI exits 2).
 */
import { LineCounter } from 'yaml';
import type { SourceSpan } from './types.js';

export interface Diagnostic {
  readonly message: string;
  /** Absent for errors that have no place in a file (command-line overrides). */
  readonly span?: SourceSpan;
  /** A second place worth showing (e.g. the other end of a cycle). */
  readonly related?: { readonly message: string; readonly span: SourceSpan };
}

/** Invalid pipeline or usage: the CLI prints the diagnostics and exits with code 2. */
export class PipelineError extends Error {
  override readonly name = 'PipelineError';
  readonly diagnostics: readonly Diagnostic[];
  readonly #texts: ReadonlyMap<string, string>;
  constructor(diagnostics: readonly Diagnostic[], texts: ReadonlyMap<string, string> = new Map()) {
    super(diagnostics.map((d) => d.message).join('\n'));
    this.diagnostics = diagnostics;
    this.#texts = texts;
  }
  /** All diagnostics, each with its location, source line and squiggle. */
  format(cwd = process.cwd()): string {
    return this.diagnostics.map((d) => formatDiagnostic(d, this.#texts, cwd)).join('\n\n');
  }
}

export function locate(text: string, offset: number): { line: number; col: number } {
  const lc = new LineCounter();
  let pos = 0;
  for (const line of text.split('\n')) {
    lc.addNewLine(pos);
    pos += line.length + 1;
  }
  return lc.linePos(Math.min(offset, text.length));
}

function relative(file: string, cwd: string): string {
  return file.startsWith(`${cwd}/`) ? file.slice(cwd.length + 1) : file;
}

function formatSpan(span: SourceSpan, texts: ReadonlyMap<string, string>, cwd: string, label: string, message: string): string {
  const text = texts.get(span.file);
  if (text === undefined) return `${relative(span.file, cwd)}: ${label}: ${message}`;
  const { line, col } = locate(text, span.start);
  const source = text.split('\n')[line - 1] ?? '';
  const width = Math.max(1, Math.min(span.end - span.start, source.length - (col - 1)));
  const gutter = String(line).length;
  return [
    `${relative(span.file, cwd)}:${line}:${col}: ${label}: ${message}`,
    `${' '.repeat(gutter + 1)}|`,
    `${line} | ${source}`,
    `${' '.repeat(gutter + 1)}| ${' '.repeat(col - 1)}^${'~'.repeat(width - 1)}`,
  ].join('\n');
}

export function formatDiagnostic(d: Diagnostic, texts: ReadonlyMap<string, string>, cwd: string): string {
  const main = d.span === undefined ? `error: ${d.message}` : formatSpan(d.span, texts, cwd, 'error', d.message);
  if (d.related === undefined) return main;
  return `${main}\n${formatSpan(d.related.span, texts, cwd, 'note', d.related.message)}`;
}

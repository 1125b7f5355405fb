/**
 * `${...}` references in commands, `with` values and input paths:
 *   ${params.a.b}  ${matrix.fold}  ${out}  ${stages.plan.out}  ${resources.devices}  ${resources.device}
 * `$${` writes a literal `${`. A reference whose name starts with an upper-case letter or `_`
 * (`${HOME}`) is not ours and is left for the shell. Parsing only; resolving lives with the callers.
 */

export type Ref =
  | { readonly kind: 'params'; readonly path: readonly string[] }
  | { readonly kind: 'matrix'; readonly axis: string }
  | { readonly kind: 'out' }
  | { readonly kind: 'stage-out'; readonly stage: string }
  | { readonly kind: 'resources'; readonly field: 'devices' | 'device' };

export interface RefToken {
  readonly ref: Ref;
  /** Offsets of `${` and just after `}` in the string. */
  readonly start: number;
  readonly end: number;
  readonly raw: string;
}

export interface RefError {
  readonly message: string;
  readonly start: number;
  readonly end: number;
}

const ROOTS = ['params', 'matrix', 'out', 'stages', 'resources'];
const NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

export function scanRefs(text: string): { tokens: RefToken[]; errors: RefError[] } {
  const tokens: RefToken[] = [];
  const errors: RefError[] = [];
  let i = 0;
  while ((i = text.indexOf('${', i)) !== -1) {
    if (i > 0 && text[i - 1] === '$') {
      i += 2;
      continue;
    }
    const close = text.indexOf('}', i + 2);
    if (close === -1) {
      errors.push({ message: 'unterminated "${": expected a closing "}"', start: i, end: text.length });
      break;
    }
    const body = text.slice(i + 2, close).trim();
    const raw = text.slice(i, close + 1);
    i = close + 1;
    if (/^[A-Z_]/.test(body)) continue; // a shell variable such as ${HOME}
    const parsed = parseRef(body);
    if (typeof parsed === 'string') errors.push({ message: parsed, start: i - raw.length, end: i });
    else tokens.push({ ref: parsed, start: i - raw.length, end: i, raw });
  }
  return { tokens, errors };
}

function parseRef(body: string): Ref | string {
  const parts = body.split('.');
  const root = parts[0] ?? '';
  const bad = (expected: string) => `unknown reference "\${${body}}": expected ${expected}`;
  switch (root) {
    case 'params':
      if (parts.length < 2 || !parts.slice(1).every((p) => NAME.test(p))) return bad('${params.<name>}');
      return { kind: 'params', path: parts.slice(1) };
    case 'matrix':
      if (parts.length !== 2 || !NAME.test(parts[1] ?? '')) return bad('${matrix.<axis>}');
      return { kind: 'matrix', axis: parts[1] ?? '' };
    case 'out':
      if (parts.length !== 1) return bad('${out}');
      return { kind: 'out' };
    case 'stages':
      if (parts.length !== 3 || parts[2] !== 'out' || !NAME.test(parts[1] ?? '')) return bad('${stages.<stage>.out}');
      return { kind: 'stage-out', stage: parts[1] ?? '' };
    case 'resources':
      if (parts.length !== 2 || (parts[1] !== 'devices' && parts[1] !== 'device')) {
        return bad('${resources.devices} or ${resources.device}');
      }
      return { kind: 'resources', field: parts[1] };
    default: {
      const near = ROOTS.find((r) => r.startsWith(root.slice(0, 3)) && root.length > 0);
      return `unknown reference "\${${body}}": expected one of \${params.*}, \${matrix.*}, \${out}, \${stages.<stage>.out}, \${resources.*}${near ? ` (did you mean "${near}"?)` : ''}`;
    }
  }
}

/**
 * Replaces every reference with `resolve(ref)`; a `null` result keeps the reference text as written
 * (symbolic). `$${` becomes `${`.
 */
export function substitute(text: string, resolve: (ref: Ref, raw: string) => string | null): string {
  const { tokens } = scanRefs(text);
  let out = '';
  let pos = 0;
  for (const t of tokens) {
    out += unescape(text.slice(pos, t.start));
    out += resolve(t.ref, t.raw) ?? t.raw;
    pos = t.end;
  }
  return out + unescape(text.slice(pos));
}

function unescape(text: string): string {
  return text.replaceAll('$${', '${');
}

/** A string that is exactly one reference (`"${params.epochs}"`): its value keeps its JSON type. */
export function soleRef(text: string): Ref | undefined {
  const { tokens } = scanRefs(text);
  const t = tokens[0];
  return tokens.length === 1 && t !== undefined && t.start === 0 && t.end === text.length ? t.ref : undefined;
}

/** Looks up `params.a.b`; `undefined` when absent. */
export function lookupParam(params: Readonly<Record<string, unknown>>, path: readonly string[]): unknown {
  let v: unknown = params;
  for (const p of path) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  return v;
}

/** How a value is written into a string: scalars as text, objects and arrays as JSON. */
export function valueText(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
}

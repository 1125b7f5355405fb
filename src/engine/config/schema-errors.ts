/**
 * Turns ajv errors against schemas/pipeline.schema.json (or a built-in kind's `withSchema`) into
 * located diagnostics with one message shape: "Expected <what> for <field> but received <value>".
 */
import type { ErrorObject } from 'ajv';
import { suggestion } from '../../util/did-you-mean.js';
import type { Diagnostic } from './diagnostics.js';
import type { RawDocument } from './load.js';

export function pathSegments(instancePath: string): string[] {
  if (instancePath === '') return [];
  return instancePath.slice(1).split('/').map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

export function fieldName(path: ReadonlyArray<string | number>): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number' || /^\d+$/.test(seg)) out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out === '' ? 'the document' : out;
}

function describe(value: unknown): string {
  const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  const text = JSON.stringify(value);
  const shown = text === undefined ? String(value) : text.length > 40 ? `${text.slice(0, 37)}...` : text;
  return `${shown} (${type})`;
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let v = root;
  for (const p of path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
  return v;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/**
 * @param prefix path of the validated value inside the document (`['stages','train','with']` for a
 *   kind's parameters), used both to locate errors and to name fields.
 */
export function schemaDiagnostics(
  errors: readonly ErrorObject[],
  doc: RawDocument,
  data: unknown,
  prefix: readonly string[] = [],
): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  // Errors inside oneOf branches are restated by the branch's parent; skip the oneOf summary itself.
  const relevant = errors.filter((e) => e.keyword !== 'oneOf' && !(e.keyword === 'required' && e.schemaPath.includes('/oneOf/')));
  for (const e of relevant) {
    const rel = pathSegments(e.instancePath);
    const path = [...prefix, ...rel];
    const field = fieldName(path);
    const value = valueAt(data, rel);
    let message: string;
    let key = false;
    let at: string[] = path;
    const last = rel[rel.length - 1];
    if (last === 'timeout' && e.schemaPath.includes('/timeout/')) {
      message = `Expected a positive number of seconds or a duration like "90s", "2h", "1h30m" for ${field} but received ${describe(value)}`;
    } else if (rel[rel.length - 2] === 'matrix' && e.schemaPath.includes('/matrix/') && (e.keyword === 'type' || e.keyword === 'pattern')) {
      // Either branch of the axis's oneOf: say both forms once.
      message = `Expected a list of values or one \${params.*} reference to a list for ${field} but received ${describe(value)}`;
    } else {
      switch (e.keyword) {
        case 'additionalProperties': {
          const name = String((e.params as { additionalProperty: string }).additionalProperty);
          const allowed = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
          const where = path.length === 0 ? 'at the top level' : `in ${field}`;
          message = `unknown key "${name}" ${where}: expected one of ${allowed.join(', ')}${suggestion(name, allowed)}`;
          at = [...path, name];
          key = true;
          break;
        }
        case 'propertyNames':
          continue; // restated by the nested pattern error, which names the property
        case 'pattern':
          if ((e.params as { pattern: string }).pattern.startsWith('^[A-Za-z_]') && 'propertyName' in e) {
            const name = String((e as unknown as { propertyName: string }).propertyName);
            message = `invalid name "${name}" in ${field}: expected letters, digits, "_" or "-", starting with a letter or "_"`;
            at = [...path, name];
            key = true;
          } else {
            message = `Expected a name of letters, digits, "_" or "-" (starting with a letter or "_") for ${field} but received ${describe(value)}`;
          }
          break;
        case 'type':
          message = `Expected ${article(String((e.params as { type: string }).type).replace(',', ' or '))} for ${field} but received ${describe(value)}`;
          break;
        case 'required':
          message = `missing required key "${(e.params as { missingProperty: string }).missingProperty}" in ${field}`;
          break;
        case 'enum':
          message = `Expected one of ${((e.params as { allowedValues: unknown[] }).allowedValues).map((v) => JSON.stringify(v)).join(', ')} for ${field} but received ${describe(value)}`;
          break;
        case 'minimum':
        case 'maximum':
        case 'exclusiveMinimum':
        case 'exclusiveMaximum': {
          const p = e.params as { comparison: string; limit: number };
          message = `Expected a number ${p.comparison} ${p.limit} for ${field} but received ${describe(value)}`;
          break;
        }
        case 'minItems':
          message = `Expected at least ${(e.params as { limit: number }).limit} item(s) in ${field} but received an empty list`;
          break;
        case 'minProperties':
          message = `Expected at least ${(e.params as { limit: number }).limit} entr(y/ies) in ${field} but received none`;
          break;
        case 'uniqueItems':
          message = `Expected unique items in ${field} but items ${(e.params as { i: number; j: number }).j} and ${(e.params as { i: number }).i} are equal`;
          break;
        case 'minLength':
          message = `Expected a non-empty string for ${field} but received ${describe(value)}`;
          break;
        default:
          message = `Expected ${field} to satisfy "${e.keyword}" (${e.message ?? ''}) but received ${describe(value)}`;
      }
    }
    const id = `${at.join('/')}|${message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ message, span: doc.spanOf(at, key) });
  }
  return out;
}

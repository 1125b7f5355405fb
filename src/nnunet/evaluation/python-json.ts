/**
 * Python `json.dumps` / `json.dump(indent=4, sort_keys=True)` output, byte for byte, for the values
 * summary.json holds: a JS number is a Python float (`repr`: "1.0", "1e-05", "NaN"), a bigint is a
 * Python int, a Map is a dict in insertion order, a plain object a dict in key order, strings are
 * escaped with `ensure_ascii`. Does not handle cycles or other types (they are rejected).
 */

export interface PythonDumpOptions {
  /** `indent=`: pretty-print with this many spaces and item separator ","; none = one line, ", ". */
  readonly indent?: number;
  /** `sort_keys=True`: dict keys in code-point order. */
  readonly sortKeys?: boolean;
}

/** Python's `repr(float)`: shortest round-trip digits, exponent form when exp < -4 or >= 16. */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  // toExponential() without digits gives the shortest round-trip digits, like Python's repr.
  const [mantissa, expText] = Math.abs(x).toExponential().split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp).toString().padStart(2, '0');
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const intDigits = exp + 1;
  if (digits.length <= intDigits) return `${sign}${digits}${'0'.repeat(intDigits - digits.length)}.0`;
  return `${sign}${digits.slice(0, intDigits)}.${digits.slice(intDigits)}`;
}

/** Python's `json` string encoding with `ensure_ascii=True`. */
export function pythonJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (c < 0x20 || c > 0x7e) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += s[i];
  }
  return `${out}"`;
}

/** Python sorts str keys by code point; JS's default sort is by UTF-16 unit. */
function compareCodePoints(a: string, b: string): number {
  const ca = Array.from(a, (ch) => ch.codePointAt(0)!);
  const cb = Array.from(b, (ch) => ch.codePointAt(0)!);
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    if (ca[i] !== cb[i]) return ca[i]! - cb[i]!;
  }
  return ca.length - cb.length;
}

/** Python's `sorted()` order for strings. */
export function pythonSorted(keys: Iterable<string>): string[] {
  return [...keys].sort(compareCodePoints);
}

function entriesOf(value: object, path: string): [string, unknown][] {
  if (value instanceof Map) {
    const entries: [string, unknown][] = [];
    for (const [k, v] of value) {
      if (typeof k !== 'string') throw new Error(`Expected string keys at ${path} but received ${typeof k}`);
      entries.push([k, v]);
    }
    return entries;
  }
  return Object.entries(value);
}

/** `json.dumps(value)` (no options) or `json.dumps(value, indent=n, sort_keys=...)`. */
export function pythonJsonDumps(value: unknown, options: PythonDumpOptions = {}): string {
  const { indent, sortKeys = false } = options;
  const itemSep = indent === undefined ? ', ' : ',';
  const seen = new Set<object>();

  const encode = (v: unknown, level: number, path: string): string => {
    if (v === null) return 'null';
    if (v === true) return 'true';
    if (v === false) return 'false';
    if (typeof v === 'number') return pythonFloatRepr(v);
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'string') return pythonJsonString(v);
    if (typeof v !== 'object') throw new Error(`Expected a JSON value at ${path} but received ${typeof v}`);
    if (seen.has(v)) throw new Error(`Expected no cycles but ${path} refers back to an enclosing value`);
    seen.add(v);
    const open = indent === undefined ? '' : `\n${' '.repeat(indent * (level + 1))}`;
    const close = indent === undefined ? '' : `\n${' '.repeat(indent * level)}`;
    const sep = indent === undefined ? itemSep : `${itemSep}${open}`;
    let text: string;
    if (Array.isArray(v)) {
      text = v.length === 0 ? '[]' : `[${open}${v.map((x, i) => encode(x, level + 1, `${path}[${i}]`)).join(sep)}${close}]`;
    } else {
      let entries = entriesOf(v, path);
      if (sortKeys) {
        const byKey = new Map(entries);
        entries = pythonSorted(byKey.keys()).map((k) => [k, byKey.get(k)]);
      }
      text =
        entries.length === 0
          ? '{}'
          : `{${open}${entries
              .map(([k, x]) => `${pythonJsonString(k)}: ${encode(x, level + 1, `${path}.${k}`)}`)
              .join(sep)}${close}}`;
    }
    seen.delete(v);
    return text;
  };
  return encode(value, 0, '$');
}

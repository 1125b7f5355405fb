/**
 * A JSON parser that also accepts Python's `NaN`, `Infinity` and `-Infinity` tokens (what
 * `json.dump` writes for non-finite floats), so summary.json files load without losing NaNs.
 * Numbers become JS numbers (ints too); errors name the file and the line/column.
 */

export function parsePythonJson(text: string, source = 'JSON text'): unknown {
  let pos = 0;

  const fail = (what: string): never => {
    const before = text.slice(0, pos);
    const line = before.split('\n').length;
    const column = pos - before.lastIndexOf('\n');
    const found = pos < text.length ? JSON.stringify(text.slice(pos, pos + 12)) : 'end of input';
    throw new SyntaxError(`Expected ${what} in ${source}:${line}:${column} but received ${found}`);
  };
  const skipSpace = (): void => {
    while (pos < text.length && ' \t\n\r'.includes(text[pos]!)) pos++;
  };
  const literal = (word: string, value: unknown): unknown => {
    if (text.startsWith(word, pos)) {
      pos += word.length;
      return value;
    }
    return fail(`a JSON value`);
  };

  const parseString = (): string => {
    const start = pos;
    pos++; // opening quote
    let out = '';
    for (;;) {
      if (pos >= text.length) {
        pos = start;
        fail('a closed string');
      }
      const c = text[pos]!;
      if (c === '"') {
        pos++;
        return out;
      }
      if (c === '\\') {
        const esc = text.slice(pos, pos + 6);
        if (esc[1] === 'u') {
          if (!/^\\u[0-9a-fA-F]{4}$/.test(esc)) fail('a \\uXXXX escape');
          out += String.fromCharCode(parseInt(esc.slice(2), 16));
          pos += 6;
        } else {
          const map: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
          const m = map[esc[1] ?? ''];
          if (m === undefined) fail('a valid escape');
          out += m;
          pos += 2;
        }
        continue;
      }
      if (c < ' ') fail('no control characters in a string');
      out += c;
      pos++;
    }
  };

  const parseNumber = (): number => {
    if (text.startsWith('-Infinity', pos)) {
      pos += 9;
      return -Infinity;
    }
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(pos, pos + 400));
    if (m === null) return fail('a number');
    pos += m[0].length;
    return Number(m[0]);
  };

  const parseValue = (): unknown => {
    skipSpace();
    const c = text[pos];
    if (c === '{') {
      pos++;
      const obj: Record<string, unknown> = {};
      skipSpace();
      if (text[pos] === '}') {
        pos++;
        return obj;
      }
      for (;;) {
        skipSpace();
        if (text[pos] !== '"') fail('a string key');
        const key = parseString();
        skipSpace();
        if (text[pos] !== ':') fail("':'");
        pos++;
        Object.defineProperty(obj, key, { value: parseValue(), enumerable: true, writable: true, configurable: true });
        skipSpace();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === '}') {
          pos++;
          return obj;
        }
        fail("',' or '}'");
      }
    }
    if (c === '[') {
      pos++;
      const arr: unknown[] = [];
      skipSpace();
      if (text[pos] === ']') {
        pos++;
        return arr;
      }
      for (;;) {
        arr.push(parseValue());
        skipSpace();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === ']') {
          pos++;
          return arr;
        }
        fail("',' or ']'");
      }
    }
    if (c === '"') return parseString();
    if (c === 't') return literal('true', true);
    if (c === 'f') return literal('false', false);
    if (c === 'n') return literal('null', null);
    if (c === 'N') return literal('NaN', NaN);
    if (c === 'I') return literal('Infinity', Infinity);
    return parseNumber();
  };

  const value = parseValue();
  skipSpace();
  if (pos !== text.length) fail('end of input');
  return value;
}

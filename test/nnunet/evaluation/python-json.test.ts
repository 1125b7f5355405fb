import { describe, expect, it } from 'vitest';

import { nanMean } from '../../../src/nnunet/evaluation/nanmean.js';
import { parsePythonJson } from '../../../src/nnunet/evaluation/python-json-parse.js';
import { pythonFloatRepr, pythonJsonDumps } from '../../../src/nnunet/evaluation/python-json.js';
import { pythonTimestamp } from '../../../src/nnunet/evaluation/timestamp.js';
import { hasPython, pythonEval } from './python-helper.js';
import { prng } from '../../helpers/prng.js';

/** Floats as hex of their IEEE bits, so Python gets exactly the same doubles. */
function bitsHex(values: readonly number[]): string {
  const b = Buffer.alloc(8 * values.length);
  values.forEach((v, i) => b.writeDoubleLE(v, i * 8));
  return b.toString('hex');
}

const TRICKY = [
  0, -0, 1, -1, 0.1, 0.2, 0.1 + 0.2, 1 / 3, 2 / 3, 100, 1e15, 1e16, 1.5e16, 123456789012345680, 1e-4, 9.9e-5, 1e-5,
  1.234e-7, 5e-324, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53, 2 ** 53 + 2, 1e21, 1e22, 0.958, 0.656, 12345.678,
  NaN, Infinity, -Infinity,
];

describe('pythonFloatRepr / pythonJsonDumps', () => {
  it('formats fixed examples like Python', () => {
    expect(pythonFloatRepr(1)).toBe('1.0');
    expect(pythonFloatRepr(1e-5)).toBe('1e-05');
    expect(pythonFloatRepr(1e-4)).toBe('0.0001');
    expect(pythonFloatRepr(1e16)).toBe('1e+16');
    expect(pythonFloatRepr(1e15)).toBe('1000000000000000.0');
    expect(pythonFloatRepr(-0)).toBe('-0.0');
    expect(pythonFloatRepr(NaN)).toBe('NaN');
    expect(pythonJsonDumps(new Map<string, unknown>([['b', [1, 2n]], ['a', 'é"\n']]))).toBe(
      '{"b": [1.0, 2], "a": "\\u00e9\\"\\n"}',
    );
    expect(pythonJsonDumps({ b: {}, a: [] }, { indent: 4, sortKeys: true })).toBe('{\n    "a": [],\n    "b": {}\n}');
  });

  it.runIf(hasPython)('matches Python json.dumps on tricky and random doubles', () => {
    const next = prng(7);
    const values = [...TRICKY];
    const words = new Uint32Array(2);
    const view = new DataView(words.buffer);
    for (let i = 0; i < 3000; i++) {
      // random bit patterns (all magnitudes) and random "metric-like" values in [0, 1]
      view.setUint32(0, Math.floor(next() * 2 ** 32), true);
      view.setUint32(4, Math.floor(next() * 2 ** 32), true);
      values.push(view.getFloat64(0, true), next(), Math.round(next() * 1e6) / 1e3);
    }
    const py = pythonEval(
      'import sys, json, struct\nb = bytes.fromhex(sys.stdin.read())\n' +
        'print(json.dumps(list(struct.unpack("<%dd" % (len(b)//8), b))), end="")',
      bitsHex(values),
    );
    expect(pythonJsonDumps(values)).toBe(py);
  });

  it.runIf(hasPython)('matches Python on strings, nesting, indent and sort_keys', () => {
    const value = { z: 'é ü 中 😀 \u0001 \u007f \\ / "q"', a: [1.5, { y: null, x: true }], 'A b': { '10': 1.25, '9': 2.5, b: 0.5, a: -3.75 } };
    const py = JSON.parse(
      pythonEval(
        'import sys, json\nv = json.load(sys.stdin)\n' +
          'print(json.dumps([json.dumps(v), json.dumps(v, indent=4, sort_keys=True)]))',
        JSON.stringify(value),
      ),
    ) as [string, string];
    expect(pythonJsonDumps(value)).toBe(py[0]);
    expect(pythonJsonDumps(value, { indent: 4, sortKeys: true })).toBe(py[1]);
  });
});

describe('nanMean', () => {
  it('ignores NaN and gives NaN when nothing is left', () => {
    expect(nanMean([1, NaN, 3])).toBe(2);
    expect(nanMean([NaN, NaN])).toBeNaN();
    expect(nanMean([])).toBeNaN();
  });

  it.runIf(hasPython)('is bit-identical to numpy nanmean (pairwise summation) for many lengths', () => {
    const next = prng(11);
    const lists: number[][] = [];
    for (const n of [1, 5, 7, 8, 9, 27, 64, 127, 128, 129, 131, 200, 257, 1000]) {
      lists.push(Array.from({ length: n }, () => (next() < 0.1 ? NaN : next() * (next() < 0.5 ? 1 : 1e6))));
    }
    const flat = lists.flat();
    const lengths = lists.map((l) => l.length);
    const py = pythonEval(
      'import sys, json, struct, warnings\nimport numpy as np\nwarnings.simplefilter("ignore")\n' +
        'inp = json.load(sys.stdin)\nb = bytes.fromhex(inp["hex"])\n' +
        'vals = list(struct.unpack("<%dd" % (len(b)//8), b))\nout = []\npos = 0\n' +
        'for n in inp["lengths"]:\n    out.append(float(np.nanmean(vals[pos:pos+n])))\n    pos += n\n' +
        'print(json.dumps(out), end="")',
      JSON.stringify({ hex: bitsHex(flat), lengths }),
    );
    expect(pythonJsonDumps(lists.map((l) => nanMean(l)))).toBe(py);
  });
});

describe('parsePythonJson', () => {
  it('reads NaN / Infinity tokens and ordinary JSON', () => {
    const v = parsePythonJson('{"a": NaN, "b": [Infinity, -Infinity, -1.5e-3, "x\\u00e9"], "c": {}}') as {
      a: number;
      b: unknown[];
    };
    expect(v.a).toBeNaN();
    expect(v.b).toEqual([Infinity, -Infinity, -0.0015, 'xé']);
  });

  it('names the source and position of a syntax error', () => {
    expect(() => parsePythonJson('{\n  "a": nope}', 'fold_0/summary.json')).toThrow(/fold_0\/summary.json:2:8/);
    expect(() => parsePythonJson('[1, 2', 'x.json')).toThrow(/x.json:1:6/);
  });
});

describe('pythonTimestamp', () => {
  it('looks like str(datetime.today())', () => {
    expect(pythonTimestamp(new Date(2021, 0, 1, 2, 3, 4, 56))).toBe('2021-01-01 02:03:04.056000');
    expect(pythonTimestamp(new Date(2021, 10, 21, 12, 34, 56, 0))).toBe('2021-11-21 12:34:56');
  });
});

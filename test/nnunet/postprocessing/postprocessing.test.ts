import { describe, expect, it } from 'vitest';

import type { Shape3 } from '../../../src/nnunet/postprocessing/connected-components.js';
import { applyPostprocessing, determinePostprocessing, postprocessingJson } from '../../../src/nnunet/postprocessing/decide.js';
import { hasPython, pythonEval } from '../evaluation/python-helper.js';

/** A one-row volume (1 x 1 x n) from a string of label digits; '.' = background. */
const row = (s: string) => Uint8Array.from([...s].map((ch) => (ch === '.' ? 0 : Number(ch))));
const oneCase = (id: string, prediction: string, reference: string) => ({
  id,
  load: async () => ({ prediction: row(prediction), reference: row(reference), shape: [1, 1, prediction.length] as Shape3 }),
});

describe('determinePostprocessing', () => {
  it('accepts "largest foreground object" when it improves a class and hurts none', async () => {
    //            liver with tumour inside, spurious liver at 15-16 and tumour at 18
    const c = oneCase('a', '1111221111.....11.2.', '1111221111..........');
    const d = await determinePostprocessing([c], [1, 2]);
    expect(d.dcPerClassRaw).toEqual({ '1': 16 / 18, '2': 4 / 5 });
    expect(d.dcPerClassPpAll).toEqual({ '1': 1, '2': 1 });
    // per class after step 1: the liver is two equal halves around the tumour (a tie keeps both): no change
    expect(d.dcPerClassPpPerClass).toEqual({ '1': 1, '2': 1 });
    expect(d.forWhichClasses).toEqual([[1, 2]]);
    expect([...applyPostprocessing(row('1111221111.....11.2.'), [1, 1, 20], d)]).toEqual([...row('1111221111..........')]);
  });

  it('rejects step 1 when a class gets worse, then accepts a single class that improves', async () => {
    // a tumour outside the liver would be removed by step 1 (tumour Dice 1 -> 0)
    const c = oneCase('b', '1111111111..22......1', '1111111111..22.......');
    const d = await determinePostprocessing([c], [1, 2]);
    expect(d.dcPerClassRaw).toEqual({ '1': 20 / 21, '2': 1 });
    expect(d.dcPerClassPpAll).toEqual({ '1': 1, '2': 0 });
    expect(d.dcPerClassPpPerClass).toEqual({ '1': 1, '2': 1 });
    expect(d.forWhichClasses).toEqual([1]);
  });

  it('with a single class, decides step 1 only (like the reference)', async () => {
    const d = await determinePostprocessing([oneCase('c', '111..1', '111...')], [1]);
    expect(d.dcPerClassRaw).toEqual({ '1': 6 / 7 });
    expect(d.forWhichClasses).toEqual([[1]]);
    expect(d.dcPerClassPpPerClass).toEqual({});
  });

  it('rejects background as a class', async () => {
    await expect(determinePostprocessing([], [0, 1])).rejects.toThrow(/foreground class ids/);
  });

  it.runIf(hasPython)('writes postprocessing.json like save_json', async () => {
    const d = await determinePostprocessing([oneCase('a', '1111221111.....11.2.', '1111221111..........')], [1, 2]);
    const text = postprocessingJson(d);
    const py = pythonEval(
      'import sys, json\nd = json.loads(sys.stdin.read())\nassert d["for_which_classes"] == [[1, 2]]\n' +
        'assert d["min_valid_object_sizes"] == "None" and d["num_samples"] == 1\n' +
        'print(json.dumps(d, sort_keys=True, indent=4), end="")',
      text,
    );
    expect(text).toBe(py);
  });
});

import { Ajv } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, test } from 'vitest';
import convert from '../../../src/nnunet/stages/convert-decathlon.js';
import synthesize from '../../../src/nnunet/stages/synthesize-decathlon.js';

describe('with-schemas of the data stages', () => {
  for (const AjvClass of [Ajv, Ajv2020]) {
    test(`compile with ${AjvClass.name}, fill defaults and refuse bad values`, () => {
      const ajv = new AjvClass({ useDefaults: true, allErrors: true });
      const checkSynth = ajv.compile(synthesize.withSchema);
      const s: Record<string, unknown> = {};
      expect(checkSynth(s)).toBe(true);
      expect(s).toEqual({
        cases: 20,
        test_cases: 5,
        seed: 0,
        name: 'Task03_Liver-like',
        in_plane_size: [64, 96],
        slices: [24, 60],
        in_plane_spacing: [0.7, 1.0],
        slice_spacing: [1.0, 5.0],
        channels: 1,
      });
      expect(checkSynth({ name: 'Liver' })).toBe(false);
      expect(checkSynth({ slices: [3] })).toBe(false);
      expect(checkSynth({ casez: 3 })).toBe(false);

      const checkConvert = ajv.compile(convert.withSchema);
      const c: Record<string, unknown> = { dataset: 'data/Task03_Liver' };
      expect(checkConvert(c)).toBe(true);
      expect(c).toEqual({ dataset: 'data/Task03_Liver', verify: true, workers: 2 });
      expect(checkConvert({ verify: 'yes' })).toBe(false);
    });
  }
});

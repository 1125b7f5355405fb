import { Ajv } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import planStage from '../../../src/nnunet/stages/plan.js';
import preprocessStage from '../../../src/nnunet/stages/preprocess.js';

describe('with-schemas of plan and preprocess', () => {
  for (const AjvClass of [Ajv, Ajv2020]) {
    it(`compile under ${AjvClass.name}, fill defaults and reject train parameters`, () => {
      const ajv = new AjvClass({ useDefaults: true, allErrors: true });
      const plan = ajv.compile(planStage.withSchema);
      const planWith: Record<string, unknown> = {};
      expect(plan(planWith)).toBe(true);
      expect(planWith).toEqual({ workers: 2, memory_gb: null, folds: 5, split_seed: 12345 }); // null: from the machine
      // batch_size / patch_size are train parameters: never part of the plan's key.
      expect(plan({ batch_size: 4 })).toBe(false);
      expect(plan({ patch_size: [64, 64, 64] })).toBe(false);
      const pre = ajv.compile(preprocessStage.withSchema);
      const preWith: Record<string, unknown> = {};
      expect(pre(preWith)).toBe(true);
      expect(preWith).toEqual({ configuration: '3d_fullres', workers: 2, memory_gb: null });
      expect(pre({ configuration: '2d' })).toBe(false);
      expect(pre({ memory_gb: 0 })).toBe(false);
    });
  }
});

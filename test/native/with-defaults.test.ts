// The train, validate and predict kinds show the recipe's defaults in their `with:` schemas (what `pipe status
// --why` and the key record). Core's option structs own those numbers (defaultTrainOptions /
// defaultPredictOptions): every default a schema repeats must equal the runtime's, so neither can drift alone.
import { describe, expect, it } from 'vitest';

import { validateWithSchema } from '../../src/nnunet/inference/with.js';
import { trainWithSchema } from '../../src/nnunet/training/with.js';
import { addonAvailable, defaultPredictOptions, defaultTrainOptions } from '../../src/native/addon/index.js';

const mustRun = addonAvailable() || Boolean(process.env['CI']);

/** The `default` of a schema property (an object schema; ajv's JSONSchemaType also admits anyOf forms without `properties`). */
function schemaDefault(schema: object, field: string): unknown {
  const properties = 'properties' in schema ? (schema.properties as Readonly<Record<string, { default?: unknown }>>) : {};
  const property = properties[field];
  expect(property, `property ${field}`).toBeDefined();
  return property?.default;
}

describe.runIf(mustRun)('with: defaults of the native kinds', () => {
  it('train: every recipe default equals core TrainOptions', () => {
    const d = defaultTrainOptions();
    const pairs: [string, unknown][] = [
      ['epochs', d.epochs],
      ['iterations_per_epoch', d.iterationsPerEpoch],
      ['val_iterations', d.valIterations],
      ['seed', d.seed],
      ['checkpoint_every', d.checkpointEvery],
      ['initial_lr', d.initialLr],
      ['oversample_foreground', d.oversampleForeground],
      ['augmentation', d.augmentation.pipeline],
      ['amp', d.amp],
      ['channels_last', d.channelsLast],
    ];
    for (const [field, runtime] of pairs) expect(schemaDefault(trainWithSchema, field), field).toBe(runtime);
  });

  it('validate and predict: step, mirroring and tile batch equal core PredictOptions', () => {
    const d = defaultPredictOptions();
    expect(schemaDefault(validateWithSchema, 'step')).toBe(d.step);
    expect(schemaDefault(validateWithSchema, 'mirroring')).toBe(d.mirror);
    expect(schemaDefault(validateWithSchema, 'tile_batch')).toBe(d.tileBatch);
    expect(schemaDefault(validateWithSchema, 'head')).toBe(d.head);
  });
});

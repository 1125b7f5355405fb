import type { JSONSchemaType } from 'ajv';

/**
 * `with:` of the validate and predict stages and its typed view (the schema is checked against the
 * interface at compile time by ajv's JSONSchemaType).
 */
export interface InferenceWith {
  readonly model: 'final' | 'best' | 'latest';
  readonly head: 'last' | 'average' | number;
  readonly mirroring: boolean;
  readonly step: number;
  readonly tile_batch: number;
  readonly threads?: number | null;
}

/** The fields both stages share; `required` lists those with a default (all but threads). */
export const inferenceRequired = ['model', 'head', 'mirroring', 'step', 'tile_batch'] as const;
export const inferenceProperties = {
  model: { type: 'string', enum: ['final', 'best', 'latest'], default: 'final', description: 'Which checkpoint of the train stage.' },
  head: {
    oneOf: [{ type: 'string', enum: ['last', 'average'] }, { type: 'integer', minimum: 1 }],
    default: 'last',
    description: 'UNet++ head: last = X^{0,npool} (the reference), average of all heads, or head k.',
  },
  mirroring: { type: 'boolean', default: true, description: 'Test-time mirroring over all axes (8 passes).' },
  step: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: 0.5, description: 'Tile step as a fraction of the patch.' },
  tile_batch: { type: 'integer', minimum: 1, default: 1, description: 'Tiles per forward pass.' },
  threads: { type: 'integer', nullable: true, minimum: 1, default: null, description: 'Intra-op threads (null: the cores given).' },
} as const;

export const validateWithSchema: JSONSchemaType<InferenceWith> = {
  type: 'object',
  additionalProperties: false,
  required: [...inferenceRequired],
  properties: inferenceProperties,
};

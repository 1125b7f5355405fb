/**
 * schemas/pipeline.schema.json is usable on its own (editors): it compiles as JSON Schema 2020-12,
 * accepts the test pipelines and every pipelines/*.yaml in the repository, and rejects unknown keys.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { ROOT } from '../../helpers/build.js';
import { fiveStage } from '../../helpers/pipelines.js';

const schema = JSON.parse(readFileSync(join(ROOT, 'schemas', 'pipeline.schema.json'), 'utf8')) as object;
const validate = new Ajv2020({ allErrors: true, allowUnionTypes: true }).compile(schema);

describe('pipeline.schema.json', () => {
  test('accepts the five-stage test pipeline', () => {
    expect(validate(parse(fiveStage())), JSON.stringify(validate.errors)).toBe(true);
  });
  test('rejects an unknown stage key and a stage with both run and uses', () => {
    expect(validate(parse('stages:\n  a:\n    run: x\n    need: [b]\n'))).toBe(false);
    expect(validate(parse('stages:\n  a:\n    run: x\n    uses: y\n'))).toBe(false);
  });
  const dir = join(ROOT, 'pipelines');
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)) : [];
  test.runIf(files.length > 0).each(files)('accepts pipelines/%s', (f) => {
    expect(validate(parse(readFileSync(join(dir, f), 'utf8'))), JSON.stringify(validate.errors)).toBe(true);
  });
});

/**
 * A stage kind's `with:` schema (JSON Schema 2020-12) compiled into a checker that also fills the
 * schema's defaults in place. The engine checks `with` at load time (located errors) and the stage
 * child checks it again before `run`, with this one function.
 */
import type { ValidateFunction } from 'ajv';

/** Compiles a kind's `withSchema` (defaults filled in place). Loads ajv on first use. */
export async function compileWithSchema(schema: Readonly<Record<string, unknown>>): Promise<ValidateFunction> {
  const { Ajv2020 } = await import('ajv/dist/2020.js');
  const ajv = new Ajv2020({ allErrors: true, strict: false, useDefaults: true, verbose: true });
  return ajv.compile(schema);
}

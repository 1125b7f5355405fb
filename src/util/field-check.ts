/**
 * Field-by-field checks of JSON read from disk (report inputs, training histories): each failure says
 * "Expected <what> for <field> but received <value> (<type>)", naming the field's path.
 */
export const show = (v: unknown): string =>
  `${Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v === 'object' ? 'object' : String(v)} (${Array.isArray(v) ? 'array' : typeof v})`;

export function fail(what: string, field: string, v: unknown): never {
  throw new Error(`Expected ${what} for ${field} but received ${show(v)}`);
}

export function obj(v: unknown, field: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail('an object', field, v);
  return v as Record<string, unknown>;
}

/** A number; NaN is allowed (losses can diverge, Dice can be undefined). null reads as NaN. */
export function num(v: unknown, field: string): number {
  if (v === null) return NaN;
  if (typeof v !== 'number') fail('a number', field, v);
  return v;
}

export function str(v: unknown, field: string): string {
  if (typeof v !== 'string') fail('a string', field, v);
  return v;
}

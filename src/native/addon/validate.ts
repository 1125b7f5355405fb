// Option checks with one message shape: "Expected <what> for <field> but received <value> (<type>)".

export class OptionError extends TypeError {
  override name = 'OptionError';
}

function show(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : String(JSON.stringify(value) ?? value);
  } catch {
    text = String(value);
  }
  if (text.length > 80) text = `${text.slice(0, 77)}...`;
  const type = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
  return `${text} (${type})`;
}

export function fail(what: string, field: string, value: unknown): never {
  throw new OptionError(`Expected ${what} for ${field} but received ${show(value)}`);
}

export function int(value: unknown, field: string, min = -Infinity, max = Infinity): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Infinity ? (min === -Infinity ? '' : ` >= ${min}`) : ` in [${min}, ${max}]`;
    fail(`an integer${range}`, field, value);
  }
  return value;
}

export function num(value: unknown, field: string, min = -Infinity, max = Infinity): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
    fail(`a finite number in [${min}, ${max}]`, field, value);
  return value;
}

export function bool(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') fail('a boolean', field, value);
  return value;
}

export function str(value: unknown, field: string, nonEmpty = true): string {
  if (typeof value !== 'string' || (nonEmpty && value.length === 0)) fail('a non-empty string', field, value);
  return value;
}

export function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value))
    fail(allowed.map((a) => JSON.stringify(a)).join(' | '), field, value);
  return value as T;
}

export function axes(value: unknown, field: string, min = 1): [number, number, number] {
  if (!Array.isArray(value) || value.length !== 3) fail('[z, y, x] (3 integers)', field, value);
  return [int(value[0], `${field}[0]`, min), int(value[1], `${field}[1]`, min), int(value[2], `${field}[2]`, min)];
}

export function object(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('an object', field, value);
  return value as Record<string, unknown>;
}

/** value ?? fallback, checked by `check`. */
export function opt<T>(value: unknown, fallback: T, check: (v: unknown) => T): T {
  return value === undefined ? fallback : check(value);
}

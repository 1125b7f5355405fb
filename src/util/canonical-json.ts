/**
 * Canonical JSON: object keys sorted at every depth, no whitespace, `undefined` members dropped.
 * Two values that are deep-equal always encode to the same string, whatever their key order, so YAML
 * reordering never changes a cache key. Does not handle cycles (keys are built from plain data).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new Error(`Internal error: cannot encode non-finite number ${value} canonically`);
    }
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of Object.keys(obj).sort()) {
    if (obj[k] === undefined) continue;
    parts.push(`${JSON.stringify(k)}:${canonicalJson(obj[k])}`);
  }
  return `{${parts.join(',')}}`;
}

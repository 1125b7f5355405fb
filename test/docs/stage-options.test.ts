// docs/stages.md restates every stage kind's `with:` options and their defaults for the reader; the schemas in
// src/ own them. This test reads the page and fails when the two disagree: a kind without a section, an option
// missing from (or unknown to) its table, a default written differently, or a wrong execution-only list.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { nnunetStageKinds } from '../../src/nnunet/stages/index.js';
import type { BuiltinStage } from '../../src/stage-api/types.js';
import { markdownSections, markdownTableRows, REPO_ROOT } from './markdown.js';

const page = readFileSync(join(REPO_ROOT, 'docs', 'stages.md'), 'utf8');
const sections = markdownSections(page, 2);

interface PropertySchema {
  readonly default?: unknown;
}

/** A default as the page writes it inside backticks: strings bare, everything else as compact JSON. */
export function renderDefault(value: unknown): string {
  if (typeof value === 'string') return value;
  return JSON.stringify(value).replace(/,/g, ', ').replace(/:/g, ': ');
}

/** The default cell a schema property should have: `value`, required, or — (optional, unset). */
function expectedCell(name: string, property: PropertySchema, required: readonly string[]): string {
  if ('default' in property) return `\`${renderDefault(property.default)}\``;
  return required.includes(name) ? 'required' : '—';
}

async function loadKinds(): Promise<BuiltinStage[]> {
  return Promise.all(Object.values(nnunetStageKinds).map((load) => load()));
}

describe('docs/stages.md', () => {
  it('has one section per stage kind, and no other kind sections', async () => {
    const kinds = (await loadKinds()).map((k) => k.kind).sort();
    const documented = [...sections.keys()].flatMap((h) => /^`(\w+)`$/.exec(h)?.[1] ?? []).sort();
    expect(documented).toEqual(kinds);
  });

  it('lists every with: option of every kind with the schema default', async () => {
    for (const stage of await loadKinds()) {
      const body = sections.get(`\`${stage.kind}\``) ?? '';
      const schema = stage.withSchema as { properties?: Record<string, PropertySchema>; required?: readonly string[] };
      const properties = schema.properties ?? {};
      const rows = markdownTableRows(body).filter((r) => r[0] !== 'option');
      const documented = Object.fromEntries(rows.map((r) => [(r[0] ?? '').replace(/`/g, ''), r[1] ?? '']));
      const expected = Object.fromEntries(
        Object.entries(properties).map(([name, p]) => [name, expectedCell(name, p, schema.required ?? [])]),
      );
      expect(documented, `docs/stages.md, section ${stage.kind}`).toEqual(expected);
    }
  });

  it('names the execution-only options of each kind as the kind declares them', async () => {
    for (const stage of await loadKinds()) {
      const body = sections.get(`\`${stage.kind}\``) ?? '';
      const line = /^Execution-only: (.+?)\.(?: |$)/m.exec(body)?.[1] ?? '';
      const documented = [...line.matchAll(/`(\w+)`/g)].map((m) => m[1]).sort();
      expect(documented, `docs/stages.md, section ${stage.kind}`).toEqual([...(stage.executionOnly ?? [])].sort());
    }
  });
});

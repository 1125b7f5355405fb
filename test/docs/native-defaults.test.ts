// native/README.md tabulates the native runtime's TrainOptions and PredictOptions with their defaults, which
// core's option structs own (defaultTrainOptions() / defaultPredictOptions() hand them to TypeScript). This test
// reads the page and fails when an option is missing from the table or a default is written differently.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { addonAvailable, defaultPredictOptions, defaultTrainOptions } from '../../src/native/addon/index.js';
import { markdownSections, markdownTableRows, REPO_ROOT } from './markdown.js';

const mustRun = addonAvailable() || Boolean(process.env['CI']);
const page = readFileSync(join(REPO_ROOT, 'native', 'README.md'), 'utf8');
const sections = markdownSections(page, 3);
const section = (prefix: string): string => [...sections].find(([h]) => h.startsWith(prefix))?.[1] ?? '';

/** A literal as the page writes it (`0.01`, `true`, `'auto'`, `127.0.0.1`), or undefined for prose (`all 1`). */
function literal(text: string): unknown {
  const t = (/^('[^']*'|\S+)/.exec(text.trim())?.[1] ?? '').replace(/[.;,]$/, '');
  if (t === 'true' || t === 'false') return t === 'true';
  if (/^'[^']*'$/.test(t)) return t.slice(1, -1);
  if (/^-?[0-9.]+(e-?[0-9]+)?$/.test(t)) return Number.isNaN(Number(t)) ? t : Number(t);
  return /^\d+(\.\d+){3}$/.test(t) ? t : undefined;
}

/** [option, written default] pairs of the TrainOptions table: `a / b` or `a, b` names against as many values. */
function trainTablePairs(): { names: string[]; pairs: [string, unknown][] } {
  const names: string[] = [];
  const pairs: [string, unknown][] = [];
  for (const [field = '', value = ''] of markdownTableRows(section('TrainOptions')).filter((r) => r[0] !== 'field')) {
    const fieldNames = field.split(/\s*[/,]\s*/);
    const values = value.split(/\s*(?:\s\/\s|,)\s*/);
    names.push(...fieldNames);
    if (fieldNames.length !== values.length) continue;
    fieldNames.forEach((name, i) => pairs.push([name, literal(values[i] ?? '')]));
  }
  return { names, pairs };
}

describe.runIf(mustRun)('native/README.md against the runtime defaults', () => {
  it('the TrainOptions table names every option and writes each default as core has it', () => {
    const defaults = defaultTrainOptions() as unknown as Record<string, unknown>;
    const { names, pairs } = trainTablePairs();
    expect(Object.keys(defaults).filter((k) => !names.includes(k))).toEqual([]);
    const checked = pairs.filter(([name, written]) => name in defaults && written !== undefined);
    expect(checked.length).toBeGreaterThan(20);
    for (const [name, written] of checked) expect(written, `native/README.md TrainOptions ${name}`).toBe(defaults[name]);
  });

  it('the PredictOptions paragraph writes each default as core has it', () => {
    const defaults = defaultPredictOptions() as unknown as Record<string, unknown>;
    const pairs = [...section('PredictOptions').matchAll(/`(\w+)` ('[^']*'|true|false|[0-9.]+)/g)];
    expect(pairs.length).toBeGreaterThanOrEqual(5);
    for (const [, name = '', written = ''] of pairs) {
      expect(literal(written), `native/README.md PredictOptions ${name}`).toBe(defaults[name]);
    }
  });
});

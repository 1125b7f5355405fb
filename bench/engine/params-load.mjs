#!/usr/bin/env node
// Pipeline load time against the number of params: a generated pipeline with
// N params (`p0: 0` ... one per line) and one stage that references one of them, loaded in-process
// with loadPipeline (read, UTF-8 check, YAML parse, duplicate keys, validation), median of 3 per N.
// Linear loading keeps ms per 10k params about flat from 10k to 40k; before the fix it doubled
// with each doubling of N (yaml's quadratic duplicate-key check). Run alone or from run.mjs.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function pipelineWithParams(n) {
  const lines = ['name: params_load', 'params:'];
  for (let i = 0; i < n; i++) lines.push(`  p${i}: ${i}`);
  lines.push('stages:', '  s:', '    run: echo ${params.p1} > ${out}/o', '');
  return lines.join('\n');
}

/** { n, ms, msPer10k } for each N: the median of 3 loads. */
export async function measureParamsLoad(sizes = [10_000, 20_000, 40_000]) {
  const { loadPipeline } = await import(pathToFileURL(join(ROOT, 'dist', 'index.js')).href);
  const dir = mkdtempSync(join(tmpdir(), 'pipe-bench-params-'));
  try {
    const file = join(dir, 'p.yaml');
    writeFileSync(file, pipelineWithParams(1000));
    await loadPipeline(file, { env: { PIPE_CACHE: join(dir, 'cache') } }); // warm-up (JIT, module loads)
    const rows = [];
    for (const n of sizes) {
      writeFileSync(file, pipelineWithParams(n));
      const times = [];
      for (let k = 0; k < 3; k++) {
        const t = process.hrtime.bigint();
        const p = await loadPipeline(file, { env: { PIPE_CACHE: join(dir, 'cache') } });
        times.push(Number(process.hrtime.bigint() - t) / 1e6);
        if (Object.keys(p.params).length !== n) throw new Error(`expected ${n} params, loaded ${Object.keys(p.params).length}`);
      }
      const ms = [...times].sort((a, b) => a - b)[1];
      rows.push({ n, ms, msPer10k: (ms * 10_000) / n });
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatParamsLoad(rows) {
  return `params_load ${rows.map((r) => `${r.n / 1000}k=${r.ms.toFixed(0)}ms(${r.msPer10k.toFixed(0)}ms/10k)`).join(' ')}`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) console.log(formatParamsLoad(await measureParamsLoad()));

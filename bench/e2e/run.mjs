#!/usr/bin/env node
// The demo pipeline (pipelines/demo.yaml) end to end in a fresh store, then again with nothing
// changed:
//   full  - first `pipe run`: every stage executes (the baseline); wall time per stage instance
//   noop  - second `pipe run`: everything cached
// Also prints the demo's Dice per fold and label from report.json.
// Last line: BENCH e2e ratio=<noop/full> full=<s> noop=<s> ... . Build first (bash scripts/setup.sh).
// Options: --keep (keep the store), --set params.k=v (passed to both runs).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PIPE = join(ROOT, 'bin', 'pipe.js');
const args = process.argv.slice(2);
const keep = args.includes('--keep');
const sets = args.flatMap((a, i) => (a === '--set' ? ['--set', args[i + 1]] : []));
const store = mkdtempSync(join(tmpdir(), 'pipe-bench-e2e-'));
const env = { ...process.env, PIPE_CACHE: store };

function run() {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [PIPE, 'run', join(ROOT, 'pipelines', 'demo.yaml'), '--json', ...sets], { env, encoding: 'utf8', maxBuffer: 256 << 20 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) {
    process.stderr.write(r.stdout.slice(-4000) + r.stderr);
    throw new Error(`pipe run exited ${r.status}`);
  }
  const events = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  return { seconds, events };
}

const full = run();
const finished = full.events.filter((e) => e.event === 'stage-finished');
console.log(`full run: ${full.seconds.toFixed(1)} s on ${availableParallelism()} cores (store ${store})`);
const byKind = new Map();
for (const e of finished) {
  console.log(`  ${e.stage.padEnd(18)} ${e.outcome.padEnd(7)} ${((e.durationMs ?? 0) / 1000).toFixed(1).padStart(7)} s`);
  const kind = e.stage.replace(/\[.*$/, '');
  byKind.set(kind, (byKind.get(kind) ?? 0) + (e.durationMs ?? 0) / 1000);
}
const report = finished.find((e) => e.stage === 'report');
if (report?.out) {
  const rep = JSON.parse(readFileSync(join(report.out, 'report.json'), 'utf8'));
  for (const f of rep.folds) {
    console.log(`  fold ${f.fold}: ${Object.entries(f.dicePercent).map(([k, v]) => `${rep.labels[k] ?? k} ${v === null ? 'n/a' : v.toFixed(2)}`).join(', ')} (Dice %)`);
  }
  for (const l of rep.summary) {
    console.log(`  ${l.name}: mean ${l.meanPercent?.toFixed(2)} ± ${l.stdPercent?.toFixed(2)} % over ${l.perFoldPercent.length} folds` +
      (l.postprocessedMeanPercent != null ? `; after postprocessing ${l.postprocessedMeanPercent.toFixed(2)} ± ${l.postprocessedStdPercent?.toFixed(2)} %` : '') +
      (l.crossValidationPostprocessedPercent != null
        ? `; pooled over all cases ${l.pooledPercent?.toFixed(2)} %, ${l.crossValidationPostprocessedPercent.toFixed(2)} % with the cross-validation postprocessing`
        : ''));
  }
  console.log(`  report: ${join(report.out, 'report.html')}`);
}
const noop = run();
const ran = noop.events.filter((e) => e.event === 'stage-finished' && e.outcome === 'ran').length;
console.log(`no-op run: ${noop.seconds.toFixed(2)} s, ${ran} stage(s) ran`);
if (!keep) rmSync(store, { recursive: true, force: true });
const perKind = [...byKind].map(([k, s]) => `${k}=${s.toFixed(1)}s`).join(' ');
console.log(`BENCH e2e ratio=${(noop.seconds / full.seconds).toFixed(5)} full=${full.seconds.toFixed(1)}s noop=${noop.seconds.toFixed(2)}s noop_ran=${ran} ${perKind}`);

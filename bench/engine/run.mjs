#!/usr/bin/env node
// Engine overhead on a 100-instance pipeline (two 50-way matrix stages, shell commands):
//   cold   - first `pipe run`, every instance executes (`echo > $out/x`): the baseline
//   noop   - `pipe run` again, everything cached (median of 5)
//   status - `pipe status` (median of 5)
//   node   - `node -e ""` (median of 5), the floor of any CLI invocation
//   params_load - loading a pipeline with 10k/20k/40k params, ms per 10k params (params-load.mjs)
// Last line: BENCH engine ratio=<noop/cold> ... . Build first (npx tsc -p tsconfig.json).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatParamsLoad, measureParamsLoad } from './params-load.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PIPE = join(ROOT, 'bin', 'pipe.js');
const N = 50;
const dir = mkdtempSync(join(tmpdir(), 'pipe-bench-'));
const axis = Array.from({ length: N }, (_, i) => i).join(', ');
writeFileSync(join(dir, 'input.txt'), 'data\n');
writeFileSync(join(dir, 'p.yaml'), `name: bench
params: {scale: 2}
stages:
  prep:
    run: echo "\${matrix.i} \${params.scale}" > \${out}/x
    inputs: [input.txt]
    matrix: {i: [${axis}]}
  train:
    run: cat \${stages.prep.out}/x > \${out}/y
    needs: [prep]
    matrix: {i: [${axis}]}
`);
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PIPE_')));

function time(args, check = true) {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: dir, env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (check && r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { ms, out: r.stdout };
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  const cold = time([PIPE, 'run', 'p.yaml', '--json']);
  const ran = cold.out.split('\n').filter((l) => l.includes('"outcome":"ran"')).length;
  if (ran !== 2 * N) throw new Error(`expected ${2 * N} instances to run, got ${ran}`);
  const noops = [];
  for (let i = 0; i < 5; i++) {
    const r = time([PIPE, 'run', 'p.yaml', '--json']);
    if (r.out.includes('"outcome":"ran"')) throw new Error('a no-op run executed something');
    noops.push(r.ms);
  }
  const statuses = [];
  for (let i = 0; i < 5; i++) statuses.push(time([PIPE, 'status', 'p.yaml']).ms);
  const nodes = [];
  for (let i = 0; i < 5; i++) nodes.push(time(['-e', '']).ms);
  const [noop, status, node] = [median(noops), median(statuses), median(nodes)];
  const paramsLoad = await measureParamsLoad();
  console.log(formatParamsLoad(paramsLoad));
  const load = execFileSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).split(' ')[0];
  console.log(`instances=${2 * N} cold_run_ms=${cold.ms.toFixed(0)} noop_run_ms=${noop.toFixed(0)} status_ms=${status.toFixed(0)} node_start_ms=${node.toFixed(0)} loadavg=${load}`);
  console.log(`BENCH engine ratio=${(noop / cold.ms).toFixed(3)} baseline=cold_run(${2 * N} instances executed) noop_run_ms=${noop.toFixed(0)} status_ms=${status.toFixed(0)} cold_run_ms=${cold.ms.toFixed(0)} node_start_ms=${node.toFixed(0)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

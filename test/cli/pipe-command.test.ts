/**
 * `pipe` as a command (issue 23, item 7): setup's link step (scripts/link-pipe.sh, `npm link`) puts this checkout's
 * bin/pipe.js on PATH, idempotent and quiet, relinks a `pipe` of another checkout, and where it cannot link says
 * how else without failing the setup; after setup, `pipe` on PATH is this checkout's; `npm run demo -- …` passes
 * the options on to `pipe run`. The link tests use a temporary npm prefix, never the machine's.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt, ROOT } from '../helpers/build.js';
import { jsonLines } from '../helpers/rig.js';

const BIN = realpathSync(join(ROOT, 'bin', 'pipe.js'));

/** The caller's environment without PIPE_* (as the rig does), with `extra` on top. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PIPE_') && !k.startsWith('npm_')) out[k] = v;
  return { ...out, ...extra };
}

function run(file: string, args: string[], extra: Record<string, string> = {}, cwd = ROOT) {
  const r = spawnSync(file, args, { cwd, env: env(extra), encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const resolved = (path: string): string | undefined => (existsSync(path) ? realpathSync(path) : undefined);

describe('setup puts pipe on PATH', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pipe-link-'));
  const prefix = join(dir, 'prefix');
  const onPath = { npm_config_prefix: prefix, PATH: `${join(prefix, 'bin')}${delimiter}${process.env['PATH'] ?? ''}` };
  beforeAll(ensureBuilt);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('links this checkout\'s bin/pipe.js, then stays quiet; the linked pipe runs', () => {
    mkdirSync(join(prefix, 'bin'), { recursive: true }); // an empty bin folder: nothing was linked before
    const first = run('bash', ['scripts/link-pipe.sh'], onPath);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toBe(`[setup] pipe -> ${BIN}\n`);
    expect(resolved(join(prefix, 'bin', 'pipe'))).toBe(BIN);
    const help = run(join(prefix, 'bin', 'pipe'), ['run', '--help']);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^Usage: pipe run FILE/);
    const again = run('bash', ['scripts/link-pipe.sh'], onPath);
    expect(again.code).toBe(0);
    expect(again.stderr).toBe('');
  });

  test('relinks a pipe of another checkout and says which it replaced', () => {
    const other = join(dir, 'other');
    mkdirSync(join(other, 'bin'), { recursive: true });
    writeFileSync(join(other, 'package.json'), JSON.stringify({ name: 'pipe', version: '0.0.1', bin: { pipe: 'bin/pipe.js' } }));
    writeFileSync(join(other, 'bin', 'pipe.js'), '#!/usr/bin/env node\n');
    chmodSync(join(other, 'bin', 'pipe.js'), 0o755);
    expect(run('npm', ['link', '--no-audit', '--no-fund'], onPath, other).code).toBe(0);
    expect(resolved(join(prefix, 'bin', 'pipe'))).toBe(realpathSync(join(other, 'bin', 'pipe.js')));
    const r = run('bash', ['scripts/link-pipe.sh'], onPath);
    expect(r.stderr).toBe(`[setup] pipe -> ${BIN} (was ${realpathSync(join(other, 'bin', 'pipe.js'))})\n`);
    expect(resolved(join(prefix, 'bin', 'pipe'))).toBe(BIN);
  });

  test('where it cannot link, setup goes on and says how else', () => {
    writeFileSync(join(dir, 'a-file'), '');
    const r = run('bash', ['scripts/link-pipe.sh'], { npm_config_prefix: join(dir, 'a-file', 'prefix') });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^\[setup\] could not put pipe on PATH \(npm link into .*a-file\/prefix: ENOTDIR: .*\); run node bin\/pipe\.js instead, or give npm a prefix you can write: npm config set prefix ~\/\.local/);
  });

  test('when npm\'s bin folder is not on PATH, it says what to add', () => {
    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(elsewhere);
    // A PATH of just the tools the script uses, so that no pipe installed on this machine is found either.
    const tools = join(dir, 'tools');
    mkdirSync(tools);
    for (const tool of ['node', 'npm', 'dirname', 'readlink', 'grep', 'sed']) {
      const at = run('/bin/sh', ['-c', `command -v ${tool}`]).stdout.trim();
      symlinkSync(realpathSync(at), join(tools, tool));
    }
    const r = run('/bin/bash', ['scripts/link-pipe.sh'], { npm_config_prefix: elsewhere, PATH: tools });
    expect(r.stderr).toContain(`[setup] pipe is linked in ${join(elsewhere, 'bin')}, which is not on PATH: export PATH="${join(elsewhere, 'bin')}:$PATH"`);
  });

  test('after setup, pipe on PATH is this checkout\'s bin/pipe.js', (ctx) => {
    const prefixG = run('npm', ['prefix', '-g']).stdout.trim();
    const linked = resolved(join(prefixG, 'bin', 'pipe'));
    if (linked !== BIN) {
      ctx.skip(`npm's global pipe (${join(prefixG, 'bin', 'pipe')}) ${linked === undefined ? 'does not exist' : `runs ${linked}`}: setup was not run in this checkout`);
    }
    const found = run('bash', ['-c', 'command -v pipe']).stdout.trim();
    expect(found, `npm's bin folder ${join(prefixG, 'bin')} is not on PATH`).not.toBe('');
    expect(realpathSync(found)).toBe(BIN);
  });
});

describe('npm run demo -- OPTIONS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pipe-demo-args-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('passes the options on to pipe run (a dry run: nothing runs, no report)', () => {
    // Not `setup && run && report` in package.json, where npm would append the options to the report.
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['demo']).toBe('bash scripts/demo.sh');
    const r = run('npm', ['run', '--silent', 'demo', '--', '--dry-run', '--json', '--set', 'params.epochs=3'], { npm_config_prefix: dir });
    expect(r.code, r.stderr).toBe(0);
    const planned = jsonLines(r.stdout).filter((e) => e['event'] === 'planned');
    const train = planned.find((e) => e['stage'] === 'train[fold=0]');
    expect(String(train?.['command'])).toContain('"epochs":3');
    expect(planned.length).toBeGreaterThan(10);
    expect(r.stdout).not.toMatch(/report: /);
  });
});

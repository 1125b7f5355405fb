/**
 * A temp-project rig for end-to-end CLI tests: writes files, runs the real compiled `bin/pipe.js`
 * with a scrubbed environment (no PIPE_* from the caller, a short kill grace), and cleans up.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PIPE_BIN } from './build.js';

export const FIXTURES = join(import.meta.dirname, 'fixtures');

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

export class Rig {
  readonly dir: string;
  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'pipe-test-'));
  }
  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }
  write(files: Record<string, string>): void {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(this.path(name)), { recursive: true });
      writeFileSync(this.path(name), text);
    }
  }
  read(name: string): string {
    return readFileSync(this.path(name), 'utf8');
  }
  exists(name: string): boolean {
    return existsSync(this.path(name));
  }
  /** Lines of a calls log written by the fixtures (one line per stage invocation). */
  calls(name = 'calls.log'): string[] {
    return this.exists(name) ? this.read(name).split('\n').filter((l) => l !== '') : [];
  }
  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PIPE_') && !k.startsWith('CUDA_')) env[k] = v;
    return { ...env, PIPE_KILL_GRACE_MS: '2000', FIXTURES, ...extra };
  }
  spawn(args: string[], extraEnv: Record<string, string> = {}): ChildProcess {
    return spawn(process.execPath, [PIPE_BIN, ...args], { cwd: this.dir, env: this.env(extraEnv), stdio: ['ignore', 'pipe', 'pipe'] });
  }
  run(args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
    const started = Date.now();
    const child = this.spawn(args, extraEnv);
    return collect(child, started);
  }
  objects(store = 'cache'): string[] {
    const dir = this.path(store, 'objects');
    return existsSync(dir) ? readdirSync(dir).filter((n) => !n.endsWith('.commit')) : [];
  }
  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function collect(child: ChildProcess, started = Date.now()): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - started }));
  });
}

/** Parses `--json` output lines. */
export function jsonLines(text: string): Record<string, unknown>[] {
  return text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Outcome per stage from `run --json`. */
export function outcomes(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of jsonLines(text)) if (e['event'] === 'stage-finished') out[String(e['stage'])] = String(e['outcome']);
  return out;
}

export function waitFor(pred: () => boolean, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (pred()) return resolve();
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 50);
    };
    tick();
  });
}

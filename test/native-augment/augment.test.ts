// Runs the Node-free C++ tests of the native augmentation and patch loader
// (native/tests/augment_test.cc, loader_test.cc) and checks their "N passed, M failed" summary.
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, execaSync } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const buildDir = path.join(root, 'native/build');
const executables = ['augment_test', 'loader_test'];
const python = '/usr/bin/python3'; // Debian's Python: the one with scipy (common.md)

function hasScipy(): boolean {
  if (!existsSync(python)) return false;
  try {
    execaSync(python, ['-c', 'import scipy.ndimage']);
    return true;
  } catch {
    return false;
  }
}

/** Newest modification time under a folder (recursive), 0 if absent. */
function newest(dir: string): number {
  if (!existsSync(dir)) return 0;
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

function stale(): boolean {
  const sources = Math.max(newest(path.join(root, 'native/src/core')), newest(path.join(root, 'native/tests')));
  return executables.some((name) => {
    const exe = path.join(buildDir, name);
    return !existsSync(exe) || statSync(exe).mtimeMs < sources;
  });
}

/** Parses the last "N passed, M failed" line of a test executable's output. */
function summary(stdout: string): { passed: number; failed: number } | undefined {
  const lines = stdout.trim().split('\n');
  const match = /^(\d+) passed, (\d+) failed$/.exec(lines[lines.length - 1] ?? '');
  if (!match) return undefined;
  return { passed: Number(match[1]), failed: Number(match[2]) };
}

describe('native augmentation and patch loader (C++ tests)', () => {
  beforeAll(async () => {
    // The setup script builds native/; rebuild here only when a source is newer than the tests.
    if (stale()) await execa('bash', ['scripts/build-native.sh'], { cwd: root, stdio: 'inherit' });
  }, 600_000);

  async function run(name: string, args: string[]): Promise<void> {
    const result = await execa(path.join(buildDir, name), args, { reject: false, timeout: 120_000 });
    const counts = summary(result.stdout);
    if (result.exitCode !== 0 || !counts || counts.failed !== 0) {
      // Print the failing lines so the report shows which check broke.
      console.error(`${name} exited ${String(result.exitCode)}\n${result.stdout}\n${result.stderr}`);
    }
    expect(counts).toBeDefined();
    expect(counts?.failed).toBe(0);
    expect(counts?.passed).toBeGreaterThan(20);
    expect(result.exitCode).toBe(0);
  }

  it.runIf(hasScipy())('the spatial transform and blur match scipy (map_coordinates, gaussian_filter)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pipe-augment-scipy-'));
    try {
      await execa(python, [path.join(root, 'test/native-augment/scipy_reference.py'), dir]);
      await run('augment_test', [dir]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const name of executables) {
    it(`${name} passes every check`, async () => {
      await run(name, []);
    });
  }
});

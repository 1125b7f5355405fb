// Runs each Node-free C++ test executable (native/build/*_test) once, so `npm test` covers them; each prints
// "N passed, M failed" last. augment_test also compares the spatial transform and blur with scipy
// (map_coordinates, gaussian_filter) when Debian's Python has scipy: the reference arrays are written first.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const buildDir = join(root, 'native', 'build');
const executables = existsSync(buildDir) ? readdirSync(buildDir).filter((f) => f.endsWith('_test')) : [];
// setup builds native/ in CI, so there the executables must exist: never skip silently.
const mustRun = executables.length > 0 || Boolean(process.env['CI']);
const python = '/usr/bin/python3'; // Debian's Python: the one with scipy

function hasScipy(): boolean {
  try {
    execFileSync(python, ['-c', 'import scipy.ndimage'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Arguments per executable: augment_test takes a folder of scipy reference arrays. */
function argsFor(exe: string, scratch: string[]): string[] {
  if (exe !== 'augment_test' || !hasScipy()) return [];
  const dir = mkdtempSync(join(tmpdir(), 'pipe-augment-scipy-'));
  scratch.push(dir);
  execFileSync(python, [join(root, 'test', 'native', 'scipy_reference.py'), dir]);
  return [dir];
}

describe.runIf(mustRun)('native core (Node-free C++ tests)', () => {
  const scratch: string[] = [];
  afterAll(() => scratch.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('finds the test executables', () => {
    expect(executables).toEqual(expect.arrayContaining(['unetpp_test', 'train_test', 'inference_test', 'augment_test', 'loader_test', 'resample_test', 'durable_write_test', 'fused_norm_test', 'fused_loss_test', 'fused_kernels_emulated_test']));
  });
  for (const exe of executables) {
    it(`${exe} passes`, { timeout: 180_000 }, () => {
      let output: string;
      try {
        output = execFileSync(join(buildDir, exe), argsFor(exe, scratch), {
          encoding: 'utf8',
          env: { ...process.env, OMP_WAIT_POLICY: process.env['OMP_WAIT_POLICY'] ?? 'PASSIVE' },
        });
      } catch (error) {
        const e = error as { stdout?: string; status?: number };
        throw new Error(`${exe} exited with ${e.status}:\n${e.stdout ?? ''}`);
      }
      const summary = /(\d+) passed, (\d+) failed\s*$/.exec(output);
      expect(summary, output).not.toBeNull();
      expect(Number(summary?.[2]), output).toBe(0);
      expect(Number(summary?.[1])).toBeGreaterThan(0);
    });
  }
});

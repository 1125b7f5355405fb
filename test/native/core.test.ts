// Runs the Node-free C++ test executables (native/build/*_test) so `npm test` covers them; each prints
// "N passed, M failed" last.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

const buildDir = join(import.meta.dirname, '..', '..', 'native', 'build');
const executables = existsSync(buildDir) ? readdirSync(buildDir).filter((f) => f.endsWith('_test')) : [];
// setup builds native/ in CI, so there the executables must exist: never skip silently.
const mustRun = executables.length > 0 || Boolean(process.env['CI']);

describe.runIf(mustRun)('native core (Node-free C++ tests)', () => {
  it('finds the test executables', () => {
    expect(executables).toEqual(expect.arrayContaining(['unetpp_test', 'train_test', 'inference_test']));
  });
  for (const exe of executables) {
    it(`${exe} passes`, { timeout: 180_000 }, () => {
      let output: string;
      try {
        output = execFileSync(join(buildDir, exe), { encoding: 'utf8', env: { ...process.env, OMP_WAIT_POLICY: process.env['OMP_WAIT_POLICY'] ?? 'PASSIVE' } });
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

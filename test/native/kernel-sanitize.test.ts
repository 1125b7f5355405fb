// Runs native/scripts/kernel-sanitize.sh: the CUDA kernels of native/src/core/*.cu on CPU threads (the host
// emulation in native/tests/emulated/) under AddressSanitizer + UndefinedBehaviorSanitizer and ThreadSanitizer, and
// the script's proof that each sanitizer finds a bug planted in a copy of the kernels. Needs g++ and c10's headers
// (Debian's libtorch-dev, which setup installs): in CI it must run.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const script = join(root, 'native', 'scripts', 'kernel-sanitize.sh');
const headers = join(process.env['TORCH_INCLUDE'] ?? '/usr/include', 'c10', 'util', 'Half.h');

describe.runIf(existsSync(headers) || Boolean(process.env['CI']))('CUDA kernels under sanitizers, without a GPU', () => {
  it('finds no access out of bounds and no race in the kernels, and finds the planted ones', { timeout: 400_000 }, () => {
    let output: string;
    try {
      output = execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string; status?: number };
      throw new Error(`kernel-sanitize.sh exited with ${e.status}:\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
    }
    expect(output).toMatch(/ASan\+UBSan and TSan runs clean; each finds its planted bug\s*$/);
  });
});

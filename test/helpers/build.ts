/**
 * Builds dist/ once when it is missing or older than src/ (npm test builds it in setup.sh already;
 * this covers `npx vitest run test/engine`). A mkdir lock keeps parallel test files from racing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');
export const PIPE_BIN = join(ROOT, 'bin', 'pipe.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

export async function ensureBuilt(): Promise<void> {
  const stamp = join(ROOT, 'dist', '.engine-test-build');
  // scripts/setup.sh (npm test) leaves dist/.build-stamp after its own build: either stamp will do.
  const stamps = [stamp, join(ROOT, 'dist', '.build-stamp')];
  const fresh = (): boolean => {
    if (!existsSync(join(ROOT, 'dist', 'main.js'))) return false;
    const newest = Math.max(...stamps.map((s) => (existsSync(s) ? statSync(s).mtimeMs : 0)));
    return newest >= newestMtime(join(ROOT, 'src'));
  };
  if (fresh()) return;
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  const lock = join(ROOT, 'dist', '.engine-build-lock');
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
      if (fresh()) return;
    }
  }
  try {
    if (!fresh()) {
      execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.json')], { stdio: 'inherit' });
      writeFileSync(stamp, new Date().toISOString());
    }
  } finally {
    rmdirSync(lock);
  }
}

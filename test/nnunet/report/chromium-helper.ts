/** Runs Debian's headless chromium on a local file: DOM dump (after scripts ran) or a screenshot. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

function chromium(args: readonly string[], file: string): { stdout: string; stderr: string } {
  const profile = mkdtempSync(join(tmpdir(), 'pipe-chromium-'));
  try {
    const r = spawnSync(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${profile}`,
        ...args,
        pathToFileURL(file).href,
      ],
      { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 },
    );
    if (r.error !== undefined) throw r.error;
    if (r.status !== 0) throw new Error(`chromium ${args.join(' ')} exited with ${r.status}:\n${r.stderr}`);
    return { stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

export const dumpDom = (file: string): string => chromium(['--dump-dom', '--window-size=1200,1600'], file).stdout;

export function screenshot(file: string, png: string): void {
  chromium([`--screenshot=${png}`, '--window-size=1200,1600', '--hide-scrollbars'], file);
}

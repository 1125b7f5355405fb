/**
 * The store honours the umask (issue 23, item 6): a lab group sharing a store with umask 0002 gets
 * group-readable and -writable objects, markers and logs; umask 0077 keeps them private. Before,
 * every committed object folder was 0700 whatever the umask (mkdtemp's mode, kept by the rename).
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt, PIPE_BIN } from '../../helpers/build.js';
import { collect, Rig } from '../../helpers/rig.js';

const PIPELINE = `name: shared
stages:
  prep:
    run: mkdir \${out}/sub && echo prep > \${out}/sub/prep.txt
  train:
    run: cat \${stages.prep.out}/sub/prep.txt > \${out}/model.txt
    needs: [prep]
`;

const mode = (path: string): number => statSync(path).mode & 0o777;

describe('store modes follow the umask', () => {
  let rig: Rig;
  beforeAll(ensureBuilt);
  afterEach(() => rig.cleanup());

  const runUnder = async (umask: string): Promise<void> => {
    rig = new Rig();
    rig.write({ 'p.yaml': PIPELINE });
    // The umask is the shell's: a worker thread cannot set its process's.
    const child = spawn('/bin/sh', ['-c', `umask ${umask} && exec "$0" "$@"`, process.execPath, PIPE_BIN, 'run', 'p.yaml'], { cwd: rig.dir, env: rig.env(), stdio: ['ignore', 'pipe', 'pipe'] });
    const r = await collect(child);
    expect(r.code, r.stderr).toBe(0);
  };
  const storeEntries = (): string[] => {
    const objects = rig.path('cache', 'objects');
    const out: string[] = [];
    for (const name of readdirSync(objects)) {
      out.push(join(objects, name));
      if (!name.endsWith('.commit')) for (const f of readdirSync(join(objects, name), { recursive: true })) out.push(join(objects, name, String(f)));
    }
    for (const f of readdirSync(rig.path('cache', 'logs'))) out.push(rig.path('cache', 'logs', f));
    return out;
  };

  test('umask 0002: every object folder 0775, every file 0664', async () => {
    await runUnder('0002');
    const entries = storeEntries();
    expect(entries.length).toBeGreaterThan(6);
    for (const e of entries) expect(mode(e).toString(8), e).toBe(statSync(e).isDirectory() ? '775' : '664');
    expect(mode(rig.path('cache', 'objects')).toString(8)).toBe('775');
  });

  test('umask 0077: private', async () => {
    await runUnder('0077');
    for (const e of storeEntries()) expect(mode(e).toString(8), e).toBe(statSync(e).isDirectory() ? '700' : '600');
  });
});

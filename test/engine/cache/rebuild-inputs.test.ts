/**
 * A rebuild reads its inputs through the manifest check (issue 23, item 6): damage to an upstream
 * object whose file stat was put back (same size, mtime and inode) was trusted as a hit and copied
 * into the downstream rebuild under the same key, after which `pipe verify --repair` rebuilt the
 * upstream and reported all ok while the downstream object kept the damaged content. Now the
 * changed ctime (which no one can put back) makes the hit check rehash the file, and an instance
 * about to run rehashes every file of the objects it reads; either way the damage never reaches it.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt } from '../../helpers/build.js';
import { outcomes, Rig } from '../../helpers/rig.js';
import { Store } from '../../../src/engine/cache/store.js';
import { RebuildInputs } from '../../../src/engine/cache/rebuild-inputs.js';
import type { StageKey } from '../../../src/engine/cache/brands.js';

const PIPELINE = `name: rebuild
stages:
  prep:
    run: echo prep >> ../calls.log; echo "weights v1" > \${out}/model.txt
  train:
    run: echo train >> ../calls.log; cat \${stages.prep.out}/model.txt > \${out}/copy.txt
    needs: [prep]
`;

describe('damage with its stat put back', () => {
  let rig: Rig;
  beforeAll(ensureBuilt);
  afterEach(() => rig.cleanup());

  const objects = (): string => rig.path('proj', 'cache', 'objects');
  const objectOf = (stage: string): string => {
    for (const name of readdirSync(objects()).filter((n) => n.endsWith('.commit'))) {
      if ((JSON.parse(readFileSync(join(objects(), name), 'utf8')) as { stage: string }).stage === stage) return join(objects(), name.replace(/\.commit$/, ''));
    }
    throw new Error(`no object of ${stage}`);
  };
  /** Same 11 bytes, mtime put back to the nanosecond (touch -r); the inode stays (written in place). */
  const damageQuietly = (file: string): void => {
    execFileSync('cp', ['-p', file, rig.path('stamp')]);
    writeFileSync(file, 'weights XX\n');
    execFileSync('touch', ['-r', rig.path('stamp'), file]);
  };

  test('is not copied into a downstream rebuild under the same key', async () => {
    rig = new Rig();
    rig.write({ 'proj/p.yaml': PIPELINE });
    expect((await rig.run(['run', 'proj/p.yaml'])).code).toBe(0);
    damageQuietly(join(objectOf('prep'), 'model.txt'));
    const train = objectOf('train');
    rmSync(`${train}.commit`);
    rmSync(train, { recursive: true });
    const r = await rig.run(['run', 'proj/p.yaml', '--json']);
    expect(r.stdout + r.stderr).toMatch(/prep: its committed object [0-9a-f]{12} is damaged \(model\.txt: content changed/);
    expect(outcomes(r.stdout)).toEqual({ prep: 'ran', train: 'ran' });
    expect(readFileSync(join(objectOf('train'), 'copy.txt'), 'utf8')).toBe('weights v1\n');
    const v = await rig.run(['verify', 'proj/p.yaml']);
    expect(v.code, v.stdout).toBe(0);
  });

  test('damage no stat shows (bit rot): the instance about to read it fails naming it; the next run rebuilds both', async () => {
    rig = new Rig();
    rig.write({ 'proj/p.yaml': PIPELINE });
    expect((await rig.run(['run', 'proj/p.yaml'])).code).toBe(0);
    const prep = objectOf('prep');
    const file = join(prep, 'model.txt');
    writeFileSync(file, 'weights XX\n');
    // The marker is made to hold the file's stat as it now stands: only the content differs.
    const m = JSON.parse(readFileSync(`${prep}.commit`, 'utf8')) as { files: Record<string, (string | number)[]> };
    const st = statSync(file, { bigint: true });
    const [size, , , sha] = m.files['model.txt'] ?? [];
    m.files['model.txt'] = [size ?? 0, String(st.mtimeNs), String(st.ino), sha ?? '', String(st.ctimeNs)];
    writeFileSync(`${prep}.commit`, JSON.stringify(m));
    const train = objectOf('train');
    rmSync(`${train}.commit`);
    rmSync(train, { recursive: true });
    const r = await rig.run(['run', 'proj/p.yaml', '--json']);
    expect(r.code).toBe(1);
    expect(outcomes(r.stdout)).toEqual({ prep: 'cached', train: 'failed' });
    expect(r.stdout + r.stderr).toMatch(/input prep \(object [0-9a-f]{12}\) is damaged \(model\.txt: content changed \(sha256 [0-9a-f]{12} -> [0-9a-f]{12}\)\); removed, not used/);
    expect(rig.calls()).toEqual(['prep', 'train']); // train never ran on it
    const again = await rig.run(['run', 'proj/p.yaml', '--json']);
    expect(outcomes(again.stdout)).toEqual({ prep: 'ran', train: 'ran' });
    expect(readFileSync(join(objectOf('train'), 'copy.txt'), 'utf8')).toBe('weights v1\n');
  });

  test('a record written before ctimes (four entries per file) is still a hit', async () => {
    rig = new Rig();
    rig.write({ 'proj/p.yaml': PIPELINE });
    expect((await rig.run(['run', 'proj/p.yaml'])).code).toBe(0);
    for (const stage of ['prep', 'train']) {
      const marker = `${objectOf(stage)}.commit`;
      const m = JSON.parse(readFileSync(marker, 'utf8')) as { files: Record<string, unknown[]> };
      for (const f of Object.keys(m.files)) m.files[f] = (m.files[f] ?? []).slice(0, 4);
      writeFileSync(marker, JSON.stringify(m));
    }
    const r = await rig.run(['run', 'proj/p.yaml', '--json']);
    expect(outcomes(r.stdout)).toEqual({ prep: 'cached', train: 'cached' });
  });
});

describe('RebuildInputs', () => {
  let rig: Rig;
  beforeAll(ensureBuilt);
  afterEach(() => rig.cleanup());

  test('rehashes every file of an input once per run, and removes a damaged one naming the damage', async () => {
    rig = new Rig();
    rig.write({ 'proj/p.yaml': PIPELINE });
    expect((await rig.run(['run', 'proj/p.yaml'])).code).toBe(0);
    const store = new Store(rig.path('proj', 'cache'));
    const marker = readdirSync(rig.path('proj', 'cache', 'objects')).find((n) => n.endsWith('.commit') && readFileSync(rig.path('proj', 'cache', 'objects', n), 'utf8').includes('"stage":"prep"'));
    const key = (marker ?? '').replace(/\.commit$/, '') as StageKey;
    const inputs = new RebuildInputs(store);
    expect(await inputs.damaged([key])).toEqual([]);
    expect(inputs.rehashed).toBe(1);
    expect(await inputs.damaged([key])).toEqual([]);
    expect(inputs.rehashed).toBe(1); // once per run
    // Damage that leaves every stamp (size, mtime, inode, ctime) as recorded: only a rehash sees it.
    const file = join(store.objectDir(key), 'model.txt');
    writeFileSync(file, 'weights XX\n');
    const m = JSON.parse(readFileSync(store.markerPath(key), 'utf8')) as { files: Record<string, string[]> };
    const st = statSync(file, { bigint: true });
    m.files['model.txt'] = [m.files['model.txt']?.[0] ?? '', String(st.mtimeNs), String(st.ino), m.files['model.txt']?.[3] ?? '', String(st.ctimeNs)];
    writeFileSync(store.markerPath(key), JSON.stringify(m));
    const fresh = new RebuildInputs(store);
    const bad = await fresh.damaged([key]);
    expect(bad).toEqual([{ key, stage: 'prep', why: expect.stringMatching(/^model\.txt: content changed/) as string }]);
    expect(store.committed(key)).toBeUndefined();
  });
});

/**
 * A committed object is what was committed (issue #14, item 17): the commit manifest records per file
 * size, mtime (ns), inode and SHA-256; a run rehashes a file whose stat changed before calling the
 * object a hit, and rebuilds a damaged one saying why; `pipe verify` rehashes everything, exits 1 on
 * damage, and `--repair` drops the damaged objects. Markers from before digests keep working.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt } from '../../helpers/build.js';
import { outcomes, Rig } from '../../helpers/rig.js';

const PIPELINE = `name: integrity
stages:
  prep:
    run: echo prep >> ../calls.log; echo "weights v1" > \${out}/model.txt
  train:
    run: echo train >> ../calls.log; cat \${stages.prep.out}/model.txt > \${out}/copy.txt
    needs: [prep]
`;

interface Marker {
  readonly stage: string;
  readonly manifest: Record<string, number>;
  files?: Record<string, [number, string, string, string, string?]>;
}

describe('store integrity', () => {
  let rig: Rig;
  beforeAll(ensureBuilt);
  afterEach(() => rig.cleanup());

  /** A fresh project (`proj/p.yaml`, store `proj/cache`) that has run once. */
  async function ranOnce(): Promise<void> {
    rig = new Rig();
    rig.write({ 'proj/p.yaml': PIPELINE });
    const r = await rig.run(['run', 'proj/p.yaml']);
    expect(r.code, r.stderr).toBe(0);
    expect(rig.calls()).toEqual(['prep', 'train']);
  }
  const objectOf = (stage: string): string => {
    const dir = rig.path('proj', 'cache', 'objects');
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.commit'))) {
      const m = JSON.parse(readFileSync(join(dir, name), 'utf8')) as Marker;
      if (m.stage === stage) return join(dir, name.replace(/\.commit$/, ''));
    }
    throw new Error(`no object of ${stage}`);
  };
  const marker = (stage: string): Marker => JSON.parse(readFileSync(`${objectOf(stage)}.commit`, 'utf8')) as Marker;

  test('the marker records size, mtime, inode, SHA-256 and ctime per file', async () => {
    await ranOnce();
    const m = marker('prep');
    expect(m.manifest).toEqual({ 'model.txt': 11 });
    const st = statSync(join(objectOf('prep'), 'model.txt'), { bigint: true });
    expect(m.files?.['model.txt']).toEqual([11, String(st.mtimeNs), String(st.ino), createHash('sha256').update('weights v1\n').digest('hex'), String(st.ctimeNs)]);
  });

  test('a file changed in content but not in size is damage: rebuilt, said why, downstream sees the original', async () => {
    await ranOnce();
    const model = join(objectOf('prep'), 'model.txt');
    writeFileSync(model, 'weights XX\n'); // same 11 bytes
    const r = await rig.run(['run', 'proj/p.yaml', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/prep: its committed object [0-9a-f]{12} is damaged \(model\.txt: content changed \(sha256 [0-9a-f]{12} -> [0-9a-f]{12}\)\); removed, rebuilding/);
    expect(outcomes(r.stdout)).toEqual({ prep: 'ran', train: 'cached' });
    expect(readFileSync(join(objectOf('prep'), 'model.txt'), 'utf8')).toBe('weights v1\n');
    expect(rig.calls()).toEqual(['prep', 'train', 'prep']);
  });

  test('a file touched but unchanged stays a hit, and its new stat is recorded (not rehashed again)', async () => {
    await ranOnce();
    const model = join(objectOf('prep'), 'model.txt');
    const before = marker('prep').files?.['model.txt'];
    utimesSync(model, new Date(), new Date(Date.now() + 5000));
    const r = await rig.run(['run', 'proj/p.yaml', '--json']);
    expect(outcomes(r.stdout)).toEqual({ prep: 'cached', train: 'cached' });
    const after = marker('prep').files?.['model.txt'];
    expect(after?.[3]).toBe(before?.[3]);
    expect(after?.[1]).not.toBe(before?.[1]);
    expect(rig.calls()).toEqual(['prep', 'train']);
  });

  test('pipe verify: exit 0 when intact, exit 1 naming the damage, --repair drops it and the next run rebuilds only it', async () => {
    await ranOnce();
    const ok = await rig.run(['verify', 'proj/p.yaml']);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/2 object\(s\) rehashed: 2 ok, 0 damaged/);
    // Content changed with the stat put back: only a full rehash notices.
    const copy = join(objectOf('train'), 'copy.txt');
    const { mtimeMs } = statSync(copy);
    writeFileSync(copy, 'weights v2\n');
    utimesSync(copy, new Date(mtimeMs), new Date(mtimeMs));
    const bad = await rig.run(['verify', 'proj/p.yaml']);
    expect(bad.code, bad.stdout + bad.stderr).toBe(1);
    expect(bad.stdout).toMatch(/damaged {4}train +[0-9a-f]{12} {2}copy\.txt: content changed/);
    expect(bad.stdout).toContain('pipe verify --repair drops the damaged objects');
    // Without FILE: the pipelines recorded in the store's journal.
    const all = await rig.run(['verify', '--json'], { PIPE_CACHE: rig.path('proj', 'cache') });
    expect(all.code).toBe(1);
    expect((JSON.parse(all.stdout) as { damaged: number }).damaged).toBe(1);
    const fix = await rig.run(['verify', 'proj/p.yaml', '--repair']);
    expect(fix.code, fix.stdout + fix.stderr).toBe(0);
    expect(fix.stdout).toContain('removed, the next run rebuilds it');
    const r = await rig.run(['run', 'proj/p.yaml', '--json']);
    expect(outcomes(r.stdout)).toEqual({ prep: 'cached', train: 'ran' });
    expect(readFileSync(join(objectOf('train'), 'copy.txt'), 'utf8')).toBe('weights v1\n');
  });

  test('a marker from before digests (sizes only) is still a hit and verify calls it unverified', async () => {
    await ranOnce();
    for (const stage of ['prep', 'train']) {
      const { files: _files, ...old } = marker(stage);
      writeFileSync(`${objectOf(stage)}.commit`, JSON.stringify(old));
    }
    const r = await rig.run(['run', 'proj/p.yaml', '--json']);
    expect(outcomes(r.stdout)).toEqual({ prep: 'cached', train: 'cached' });
    const v = await rig.run(['verify', 'proj/p.yaml']);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toMatch(/unverified +prep .*no digests \(committed by an older pipe\)/);
    expect(v.stdout).toMatch(/0 ok, 0 damaged, 2 unverified/);
    // A truncated file is still caught by its size.
    writeFileSync(join(objectOf('prep'), 'model.txt'), 'w\n');
    const t = await rig.run(['run', 'proj/p.yaml', '--json']);
    expect(t.stdout + t.stderr).toMatch(/model\.txt: size changed \(11 -> 2 bytes\)/);
    expect(outcomes(t.stdout)).toEqual({ prep: 'ran', train: 'cached' });
  });
});

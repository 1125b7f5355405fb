/**
 * Faults that explain themselves (issue #14, items 5, 18, 19): a store that cannot be written, bytes
 * that are not UTF-8 and a YAML alias bomb are user errors — a clear message, exit 2, no JavaScript
 * stack, nothing run; a stage's own error (a bad dataset) reaches the log without a stack; `--debug`
 * shows the stacks.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt } from '../helpers/build.js';
import { Rig } from '../helpers/rig.js';

const STACK_LINE = /^\s*(\|\s*)?at .*(file:\/\/|node:|\(\/)/m;
const PIPELINE = 'name: p\nstages:\n  s:\n    run: echo ran >> ../calls.log; echo x > ${out}/o\n';

/** A read-only tmpfs at `dir` holding an empty `store/` folder, or undefined where mounting is not allowed. */
function readOnlyMount(dir: string): (() => void) | undefined {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  const unmount = (): void => {
    execFileSync('umount', [dir], { stdio: 'ignore' });
  };
  try {
    mkdirSync(`${dir}/store`);
    execFileSync('mount', ['-o', 'remount,ro', dir], { stdio: 'ignore' });
  } catch {
    unmount();
    return undefined;
  }
  return unmount;
}

describe('faults that explain themselves', () => {
  const rig = new Rig();
  let unmount: (() => void) | undefined;
  beforeAll(async () => {
    await ensureBuilt();
    rig.write({ 'p.yaml': PIPELINE, 'a-file': 'not a folder\n' });
    unmount = readOnlyMount(rig.path('ro'));
  });
  afterAll(() => {
    unmount?.();
    rig.cleanup();
  });

  test('a store under a file (ENOTDIR): exit 2, the store named, what to do, no stack, nothing run', async () => {
    const r = await rig.run(['run', 'p.yaml'], { PIPE_CACHE: rig.path('a-file', 'store') });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`the store ${rig.path('a-file', 'store')} is not writable (ENOTDIR: a file stands where a folder is needed at ${rig.path('a-file')}); set PIPE_CACHE or cache: to a writable folder`);
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.stderr).not.toContain('Internal error');
    expect(rig.calls()).toEqual([]);
  });

  test('a store on a read-only file system (EROFS): exit 2 with the code and the hint', async (ctx) => {
    if (unmount === undefined) ctx.skip(); // mounting a tmpfs needs root (CAP_SYS_ADMIN)
    const r = await rig.run(['run', 'p.yaml'], { PIPE_CACHE: rig.path('ro', 'store') });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`the store ${rig.path('ro', 'store')} is not writable \\(EROFS: read-only file system.*\\); set PIPE_CACHE or cache: to a writable folder`));
    expect(r.stderr).not.toMatch(STACK_LINE);
    // A store folder that does not exist yet on the read-only mount: the same, not ENOENT.
    const deeper = await rig.run(['run', 'p.yaml'], { PIPE_CACHE: rig.path('ro', 'new', 'store') });
    expect(deeper.code, deeper.stderr).toBe(2);
    expect(deeper.stderr).toContain(`(EROFS: read-only file system at ${rig.path('ro', 'new')})`);
    expect(rig.calls()).toEqual([]);
  });

  test('pipe gc on a store that cannot be written: exit 2, not an Internal error', async () => {
    const r = await rig.run(['gc'], { PIPE_CACHE: rig.path('a-file') });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`the store ${rig.path('a-file')} is not writable (ENOTDIR: a file stands where a folder is needed)`);
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  test('--debug adds the stack to a user error', async () => {
    const r = await rig.run(['--debug', 'run', 'p.yaml'], { PIPE_CACHE: rig.path('a-file', 'store') });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('is not writable (ENOTDIR');
    expect(r.stderr).toMatch(STACK_LINE);
  });

  test('a byte that is not UTF-8: file:line:col, exit 2, the command never runs', async () => {
    writeFileSync(rig.path('latin1.yaml'), Buffer.concat([Buffer.from('name: p\nstages:\n  s:\n    run: echo caf'), Buffer.from([0xe9]), Buffer.from(' >> ../calls.log\n')]));
    const r = await rig.run(['run', 'latin1.yaml'], { PIPE_CACHE: rig.path('store-utf8') });
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toContain('latin1.yaml:4:18: error: invalid UTF-8: byte 0xe9 at byte offset 38 is not UTF-8');
    expect(rig.calls()).toEqual([]);
    expect(rig.exists('store-utf8')).toBe(false);
  });

  test('a YAML alias bomb: located, exit 2, no Internal error', async () => {
    const level = (name: string, of: string): string => `${name}: &${name} [${Array(9).fill(of).join(', ')}]`;
    rig.write({ 'bomb.yaml': [level('a', 'x'), level('b', '*a'), level('c', '*b'), level('d', '*c'), level('e', '*d'), level('f', '*e'), PIPELINE].join('\n') });
    const r = await rig.run(['run', 'bomb.yaml'], { PIPE_CACHE: rig.path('store-bomb') });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('bomb.yaml:3:8: error: invalid YAML: aliases expand beyond the cap of 100');
    expect(r.stderr).not.toContain('Internal error');
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  test("a stage's user error (a dataset with problems) is logged without a stack; --debug logs it", async () => {
    rig.write({ 'Task09_Bad/imagesTr/readme.txt': 'no images\n', 'convert.yaml': 'name: c\nstages:\n  convert:\n    uses: convert_decathlon\n    with: {dataset: Task09_Bad}\n' });
    const r = await rig.run(['run', 'convert.yaml'], { PIPE_CACHE: rig.path('store-convert') });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain('DatasetError: 2 problems in');
    expect(r.stdout).toContain('- dataset.json is missing');
    expect(r.stdout + r.stderr).not.toMatch(STACK_LINE);
    const d = await rig.run(['run', 'convert.yaml', '--debug'], { PIPE_CACHE: rig.path('store-convert') });
    expect(d.code).toBe(1);
    expect(d.stdout).toMatch(/\|\s+at readTask \(file:\/\//);
  });
});

/** `pipe COMMAND --help` / `-h` / `pipe help COMMAND`: each command's own help, exit 0 (issue 14, item 11). */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt } from '../helpers/build.js';
import { Rig } from '../helpers/rig.js';

describe('help', () => {
  const rig = new Rig();
  let commands: string[] = [];
  beforeAll(async () => {
    await ensureBuilt();
    rig.write({ 'p.yaml': 'stages:\n  a:\n    run: echo a >> calls.log; echo a > ${out}/a\n' });
    // Every command the general usage lists must have its own help.
    const usage = await rig.run(['--help']);
    commands = [...new Set([...usage.stdout.matchAll(/^ {2}pipe (\w+)/gm)].map((m) => m[1] as string))];
  });
  afterAll(() => rig.cleanup());

  test('the general usage lists the six commands', () => {
    expect(commands).toEqual(expect.arrayContaining(['run', 'resume', 'status', 'report', 'gc', 'watch']));
  });

  test('every command answers --help and -h with its own usage and options, exit 0', async () => {
    for (const command of commands) {
      for (const flag of ['--help', '-h']) {
        const r = await rig.run([command, flag]);
        expect({ command, flag, code: r.code, stderr: r.stderr }).toEqual({ command, flag, code: 0, stderr: '' });
        expect(r.stdout, `${command} ${flag}`).toMatch(new RegExp(`^Usage: pipe ${command}\\b`));
        expect(r.stdout, `${command} ${flag}`).toContain('Options:');
        expect(r.stdout, `${command} ${flag}`).toContain('-h, --help');
      }
    }
  });

  test('--help after a file and other flags prints help and runs nothing', async () => {
    const r = await rig.run(['run', 'p.yaml', '--jobs', '2', '--help']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Usage: pipe run FILE/);
    expect(r.stdout).toContain('--progress MODE');
    expect(rig.calls()).toEqual([]);
    expect(rig.exists('cache')).toBe(false);
  });

  test('pipe help COMMAND prints the same help', async () => {
    const a = await rig.run(['help', 'status']);
    const b = await rig.run(['status', '--help']);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).toContain('--why STAGE');
  });

  test('an unknown flag still exits 2 and points at the command\'s help', async () => {
    const r = await rig.run(['run', 'p.yaml', '--hepl']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('see pipe run --help');
  });
});

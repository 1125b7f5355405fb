/**
 * A torn journal line (issue 23, item 6): a crash while appending leaves a last line without its
 * newline. It is set aside (journal.jsonl.torn), never glued to the next record, and the next append
 * starts on a fresh line; a run-end torn only at its closing brace is completed, since nothing of it
 * was lost. Before, the next run's first record was glued to the torn text and both were unreadable,
 * so a later sweep closed the finished run again as killed (exit 137).
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { Journal, type JournalRecord } from '../../../src/engine/cache/journal.js';
import { ensureBuilt } from '../../helpers/build.js';
import { Rig } from '../../helpers/rig.js';

const lines = (path: string): string[] => readFileSync(path, 'utf8').split('\n').filter((l) => l !== '');
const parsesEveryLine = (path: string): void => {
  for (const l of lines(path)) expect(() => JSON.parse(l) as unknown, l).not.toThrow();
};
const runEnd = (run: string, exitCode: number): JournalRecord => ({ t: 'run-end', run, time: '2026-12-04T10:00:00.000Z', exitCode });

describe('Journal: a torn last line', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const fresh = (): Journal => {
    dir = mkdtempSync(join(tmpdir(), 'pipe-journal-'));
    return new Journal(join(dir, 'journal.jsonl'));
  };

  test('is set aside and the next record starts on a fresh line', () => {
    const j = fresh();
    j.append(runEnd('a', 0));
    appendFileSync(j.path, '{"t":"instance-start","run":"b","ti');
    j.append(runEnd('c', 1));
    parsesEveryLine(j.path);
    expect(j.read().map((r) => r.run)).toEqual(['a', 'c']);
    const aside = lines(`${j.path}.torn`).map((l) => JSON.parse(l) as { text: string });
    expect(aside.map((a) => a.text)).toEqual(['{"t":"instance-start","run":"b","ti']);
  });

  test('repairTail says what it set aside; an intact journal needs nothing', () => {
    const j = fresh();
    j.append(runEnd('a', 0));
    expect(j.repairTail()).toBeUndefined();
    const torn = '{"t":"progress","run":"a"';
    appendFileSync(j.path, torn);
    expect(j.repairTail()).toEqual({ bytes: torn.length, setAside: `${j.path}.torn` });
    expect(j.repairTail()).toBeUndefined();
    expect(readFileSync(j.path, 'utf8').endsWith('\n')).toBe(true);
  });

  test('a whole record that lost only its newline is kept', () => {
    const j = fresh();
    appendFileSync(j.path, JSON.stringify(runEnd('a', 0)));
    j.append(runEnd('b', 0));
    expect(j.read().map((r) => r.run)).toEqual(['a', 'b']);
  });

  test('a run-end that lost only its closing brace is completed; a cut into its exit code is not guessed', () => {
    const j = fresh();
    const whole = JSON.stringify(runEnd('a', 0));
    appendFileSync(j.path, whole.slice(0, -1));
    expect(j.repairTail()).toEqual({ bytes: whole.length - 1, completed: 'run-end' });
    expect(j.read()).toEqual([runEnd('a', 0)]);
    const ambiguous = JSON.stringify(runEnd('b', 130)).slice(0, -3); // "exitCode":1 of 130
    appendFileSync(j.path, ambiguous);
    j.append(runEnd('c', 0));
    expect(j.read().map((r) => r.run)).toEqual(['a', 'c']);
  });
});

describe('a torn run-end through pipe run', () => {
  let rig: Rig;
  beforeAll(ensureBuilt);
  afterEach(() => rig.cleanup());

  test('the next runs find every line readable and close the torn run once', async () => {
    rig = new Rig();
    rig.write({ 'p.yaml': 'name: torn\nstages:\n  a:\n    run: echo a > ${out}/a.txt\n' });
    expect((await rig.run(['run', 'p.yaml'])).code).toBe(0);
    const journal = rig.path('cache', 'journal.jsonl');
    truncateSync(journal, statSync(journal).size - 20); // the runner died while appending its run-end
    const second = await rig.run(['run', 'p.yaml']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout + second.stderr).toMatch(/journal: set aside a torn last line \(\d+ bytes/);
    expect((await rig.run(['run', 'p.yaml'])).code).toBe(0);
    parsesEveryLine(journal);
    const records = lines(journal).map((l) => JSON.parse(l) as JournalRecord);
    const starts = records.filter((r) => r.t === 'run-start').map((r) => r.run);
    expect(starts).toHaveLength(3);
    for (const run of starts) expect(records.filter((r) => r.t === 'run-end' && r.run === run), run).toHaveLength(1);
    const st = await rig.run(['status', 'p.yaml']);
    expect(st.stdout).toMatch(/\(finished\)/);
  });
});

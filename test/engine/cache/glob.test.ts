/** Declared inputs: files, folders and globs expanded under the project. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { expandInput } from '../../../src/engine/cache/glob.js';

describe('expandInput', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pipe-glob-'));
  mkdirSync(join(dir, 'data', 'sub'), { recursive: true });
  for (const f of ['data/a.nii.gz', 'data/b.nii.gz', 'data/notes.txt', 'data/sub/c.nii.gz']) writeFileSync(join(dir, f), f);
  test.each([
    ['data/a.nii.gz', ['data/a.nii.gz']],
    ['data', ['data/a.nii.gz', 'data/b.nii.gz', 'data/notes.txt', 'data/sub/c.nii.gz']],
    ['data/*.nii.gz', ['data/a.nii.gz', 'data/b.nii.gz']],
    ['data/**/*.nii.gz', ['data/a.nii.gz', 'data/b.nii.gz', 'data/sub/c.nii.gz']],
    ['data/[ab].nii.gz', ['data/a.nii.gz', 'data/b.nii.gz']],
    ['missing/*.txt', []],
  ])('%s', (pattern, files) => {
    expect(expandInput(pattern, dir).map((f) => f.slice(dir.length + 1))).toEqual(files);
  });
  afterAll(() => rmSync(dir, { recursive: true }));
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { writeSummaryJson } from '../../../src/nnunet/evaluation/summary-file.js';
import { readFoldInput, readTrainingHistory } from '../../../src/nnunet/report/read-inputs.js';
import { history, reportInput } from './fixtures.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pipe-read-inputs-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readFoldInput / readTrainingHistory', () => {
  it('reads a summary.json and a history with NaN tokens', async () => {
    const input = reportInput(1, 3);
    await writeSummaryJson(join(dir, 'summary.json'), input.folds[0]!.summary);
    const h = history(0, 3);
    const text = JSON.stringify(h).replace('"valLoss":' + String(h.epochs[1]!.valLoss), '"valLoss":NaN');
    await writeFile(join(dir, 'history.json'), text);
    const fold = await readFoldInput(0, join(dir, 'summary.json'), join(dir, 'history.json'));
    expect(fold.summary.id).toBe(input.folds[0]!.summary.id);
    expect(fold.history!.epochs[1]!.valLoss).toBeNaN();
    expect(fold.history!.epochs[2]!.trainLoss).toBe(h.epochs[2]!.trainLoss);
  });

  it('names the file and field of a bad history', async () => {
    const path = join(dir, 'bad-history.json');
    await writeFile(path, JSON.stringify({ ...history(0, 2), device: 3 }));
    await expect(readTrainingHistory(path)).rejects.toThrow(/string for history\.device but received 3 \(number\) \(in .*bad-history\.json\)/);
  });
});

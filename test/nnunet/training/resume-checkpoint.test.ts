/**
 * A damaged checkpoint_latest.pt (issue 23, item 6): 4 KB of flipped bytes used to load silently (the
 * run then committed a different model, exit 0), and a truncated, empty or random file made every
 * `pipe resume` fail the same way. Now the resume checks each candidate's checksum: a damaged latest
 * is set aside and the previous good checkpoint (checkpoint_latest.prev.pt) is used, or the fold
 * restarts at epoch 0, and the notes say which. A checkpoint from before checksums still loads,
 * said to be unverified.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { casesFromPreprocessed, trainModel, type NetworkPlan, type TrainOptions } from '../../../src/native/addon/index.js';
import { chooseResumeCheckpoint } from '../../../src/nnunet/training/resume-checkpoint.js';
import { ROOT } from '../../helpers/build.js';
import { writePhantomDataset } from '../../native/helpers/phantom.js';

const network: NetworkPlan = { inChannels: 1, numClasses: 3, baseFeatures: 4, maxFeatures: 8, poolKernels: [[2, 2, 2], [2, 2, 2]], convKernels: [[3, 3, 3], [3, 3, 3], [3, 3, 3]] };
const mustRun = existsSync(join(ROOT, 'native', 'build', 'Release', 'pipe_native.node'));

describe.runIf(mustRun)('the checkpoint a resume continues from', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pipe-resume-ckpt-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writePhantomDataset(dir, ['a', 'b'], 24, 3);

  /** A run folder interrupted after its second epoch or so: checkpoint_latest.pt and the one it replaced. */
  const interrupted = async (): Promise<{ runDir: string; options: TrainOptions; epoch: number }> => {
    const runDir = mkdtempSync(join(dir, 'run-'));
    const options: TrainOptions = {
      network, trainCases: await casesFromPreprocessed(dir, ['a', 'b']), outDir: runDir, patchSize: [16, 16, 16],
      epochs: 8, iterationsPerEpoch: 1, valIterations: 0, threads: 1, seed: 5, checkpointEvery: 1,
    };
    const abort = new AbortController();
    const r = await trainModel(options, { signal: abort.signal, onProgress: (e) => { if (e.kind === 'epoch' && e.epoch === 1) abort.abort(); } });
    expect(r.aborted).toBe(true);
    expect(existsSync(join(runDir, 'checkpoint_latest.prev.pt'))).toBe(true);
    return { runDir, options, epoch: r.epochsCompleted };
  };
  const flip4k = (path: string): void => {
    const b = readFileSync(path);
    const from = Math.floor(b.length / 2) - 2048;
    for (let i = from; i < from + 4096; i++) b[i] = (b[i] ?? 0) ^ 0x5a;
    writeFileSync(path, b);
  };

  it('an intact latest is used, checked', { timeout: 60_000 }, async () => {
    const { runDir, epoch } = await interrupted();
    const c = await chooseResumeCheckpoint(runDir);
    expect(c.from?.name).toBe('checkpoint_latest.pt');
    expect(c.from?.info.epoch).toBe(epoch);
    expect(c.from?.info.checksum).toMatch(/^crc64:[0-9a-f]{16}$/);
    expect(c.notes).toEqual([]);
  });

  it('4 KB flipped in the latest: set aside, the previous good one is used, and training resumes from it', { timeout: 60_000 }, async () => {
    const { runDir, options, epoch } = await interrupted();
    flip4k(join(runDir, 'checkpoint_latest.pt'));
    const c = await chooseResumeCheckpoint(runDir);
    expect(c.setAside).toEqual(['checkpoint_latest.pt']);
    expect(c.from?.name).toBe('checkpoint_latest.prev.pt');
    expect(c.from?.info.epoch).toBeLessThanOrEqual(epoch);
    expect(c.notes.join('\n')).toMatch(/^checkpoint_latest\.pt cannot be used: .*checkpoint_latest\.pt: the checkpoint is damaged \(its content does not match its checksum.*; set aside as checkpoint_latest\.pt\.damaged\nfalling back to checkpoint_latest\.prev\.pt \(epoch \d+/);
    expect(existsSync(join(runDir, 'checkpoint_latest.pt.damaged'))).toBe(true);
    const resumed = await trainModel({ ...options, resumeFrom: c.from?.path ?? '' });
    expect(resumed.epochsCompleted).toBe(8);
  });

  it('latest truncated and the previous emptied: the fold restarts at epoch 0, said so', { timeout: 60_000 }, async () => {
    const { runDir } = await interrupted();
    const latest = join(runDir, 'checkpoint_latest.pt');
    writeFileSync(latest, readFileSync(latest).subarray(0, 5000));
    writeFileSync(join(runDir, 'checkpoint_latest.prev.pt'), '');
    const c = await chooseResumeCheckpoint(runDir);
    expect(c.from).toBeUndefined();
    expect(c.setAside).toEqual(['checkpoint_latest.pt', 'checkpoint_latest.prev.pt']);
    expect(c.notes.at(-1)).toBe('no usable checkpoint is left: the fold restarts at epoch 0');
  });

  it('random bytes for a latest: set aside like any damage', { timeout: 60_000 }, async () => {
    const { runDir } = await interrupted();
    const latest = join(runDir, 'checkpoint_latest.pt');
    writeFileSync(latest, Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7919 + 13) % 251)));
    expect((await chooseResumeCheckpoint(runDir)).from?.name).toBe('checkpoint_latest.prev.pt');
  });

  it('a checkpoint from before checksums (format 2) still loads, said to be unverified', async () => {
    const runDir = mkdtempSync(join(dir, 'old-'));
    copyFileSync(join(ROOT, 'native', 'tests', 'fixtures', 'checkpoint_v2_tiny.pt'), join(runDir, 'checkpoint_latest.pt'));
    const c = await chooseResumeCheckpoint(runDir);
    expect(c.from?.info.formatVersion).toBe(2);
    expect(c.from?.info.checksum).toBeNull();
    expect(c.notes).toEqual(['checkpoint_latest.pt was written before checkpoints carried a checksum (format 2): loaded unverified']);
  });
});

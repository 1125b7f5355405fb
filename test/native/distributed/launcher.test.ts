// Multi-device training through the launcher on CPU (Gloo ranks, tiny network): 2- and 3-rank runs at the same
// time on different ports end with identical weights on every rank; killing one rank tears all down within
// seconds and leaves no process; an abort makes rank 0 write checkpoint_latest.pt and a 3-rank run resumes a
// 2-rank checkpoint. Needs the addon and the compiled rank script (dist/native/distributed/rank.js).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { addonAvailable, casesFromPreprocessed, runtimeInfo } from '../../../src/native/addon/index.js';
import type { NetworkPlan, TrainOptions, TrainProgress } from '../../../src/native/addon/index.js';
import { DistributedTrainingError, freePort, rankScriptPath, runDistributedTraining } from '../../../src/native/distributed/index.js';
import { writePhantomDataset } from '../helpers/phantom.js';
import { isProcessAlive } from '../../../src/util/process-info.js';
import { glooSkipReason } from './gloo.js';

const network: NetworkPlan = {
  inChannels: 1,
  numClasses: 3,
  baseFeatures: 4,
  maxFeatures: 8,
  poolKernels: [[2, 2, 2], [2, 2, 2]],
  convKernels: [[3, 3, 3], [3, 3, 3], [3, 3, 3]],
};

let ready = addonAvailable();
try {
  rankScriptPath();
} catch {
  ready = false;
}
const noGloo = ready ? glooSkipReason(runtimeInfo()) : undefined;

/** rank -> pid of the rank processes (ps: node .../rank.js) of the launch whose store listens on `port`. */
function ranksOnPort(port: number): Map<number, number> {
  const ranks = new Map<number, number>();
  const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  for (const line of out.split('\n')) {
    if (!line.includes('distributed/rank.js')) continue;
    const pid = Number(line.trim().split(/\s+/)[0]);
    try {
      const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      if (!env.includes(`MASTER_PORT=${port}`)) continue;
      const rank = env.find((v) => v.startsWith('RANK='));
      if (rank) ranks.set(Number(rank.slice(5)), pid);
    } catch {
      // exited meanwhile
    }
  }
  return ranks;
}

// Skipped where the build has no c10d Gloo; the reason is in the suite's name so the report says why.
describe.runIf(ready && noGloo === undefined)(`runDistributedTraining (CPU, Gloo)${noGloo !== undefined ? ` (skipped: ${noGloo})` : ''}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pipe-ddp-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writePhantomDataset(dir, ['a', 'b', 'c'], 24, 5);
  const quiet = () => {};

  const options = async (out: string, extra: Partial<TrainOptions> = {}): Promise<TrainOptions> => {
    mkdirSync(out, { recursive: true });
    return {
      network,
      trainCases: await casesFromPreprocessed(dir, ['a', 'b']),
      valCases: await casesFromPreprocessed(dir, ['c']),
      outDir: out,
      patchSize: [16, 16, 16],
      batchSize: 2,
      epochs: 2,
      iterationsPerEpoch: 2,
      valIterations: 1,
      checkpointEvery: 0,
      threads: 1,
      seed: 3,
      ...extra,
    };
  };

  it('2 and 3 ranks at once on different ports: identical weights on every rank', async () => {
    const events: TrainProgress[] = [];
    const [two, three] = await Promise.all([
      runDistributedTraining(await options(join(dir, 'two')), { worldSize: 2, onProgress: (e) => events.push(e), onLog: quiet }),
      runDistributedTraining(await options(join(dir, 'three'), { batchSize: 3 }), { worldSize: 3, onLog: quiet }),
    ]);
    expect(two.masterPort).not.toBe(three.masterPort);
    for (const [r, world, batches] of [[two, 2, [1, 1]], [three, 3, [1, 1, 1]]] as const) {
      expect(r.worldSize).toBe(world);
      expect(r.backend).toBe('gloo');
      expect(r.rankBatchSizes).toEqual(batches);
      expect(r.epochsCompleted).toBe(2);
      expect(r.ranks.map((k) => k.exitCode)).toEqual(Array(world).fill(0));
      const digests = new Set(r.ranks.map((k) => k.weightsDigest));
      expect(digests.size).toBe(1);
      expect([...digests][0]).toMatch(/^[0-9a-f]{16}$/);
      expect(r.finalCheckpoint).not.toBeNull();
      expect(existsSync(r.finalCheckpoint ?? '')).toBe(true);
      for (const k of r.ranks) expect(isProcessAlive(k.pid)).toBe(false);
    }
    expect(events.some((e) => e.kind === 'epoch')).toBe(true);
    expect(events.every((e) => e.worldSize === 2 && e.rankBatchSizes.join() === '1,1')).toBe(true);
  });

  it('killing one rank tears all down within seconds, naming the rank, and leaves no process', async () => {
    const port = await freePort();
    let rankPids = new Map<number, number>();
    let killedAt = 0;
    const run = runDistributedTraining(await options(join(dir, 'killed'), { epochs: 200, iterationsPerEpoch: 20 }), {
      worldSize: 3,
      masterPort: port,
      killGraceMs: 2000,
      onLog: quiet,
      onProgress: () => {
        if (killedAt) return;
        rankPids = ranksOnPort(port);
        const victim = rankPids.get(1);
        if (rankPids.size !== 3 || victim === undefined) return;
        killedAt = Date.now();
        process.kill(victim, 'SIGKILL');
      },
    });
    const error = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    const elapsed = Date.now() - killedAt;
    expect(killedAt).toBeGreaterThan(0);
    expect(error).toBeInstanceOf(DistributedTrainingError);
    const e = error as DistributedTrainingError;
    expect(e.rank).toBe(1);
    expect(e.signal).toBe('SIGKILL');
    expect(e.message).toMatch(/rank 1 of 3 \(pid \d+\) was killed by SIGKILL/);
    expect(elapsed).toBeLessThan(10_000);
    for (const pid of rankPids.values()) expect(isProcessAlive(pid)).toBe(false);
    expect(ranksOnPort(port).size).toBe(0);
  });

  it('abort: every rank stops, rank 0 writes checkpoint_latest.pt; 3 ranks resume the 2-rank checkpoint', async () => {
    const out = join(dir, 'abort');
    const controller = new AbortController();
    const aborted = await runDistributedTraining(await options(out, { epochs: 200, iterationsPerEpoch: 20 }), {
      worldSize: 2,
      signal: controller.signal,
      onLog: quiet,
      onProgress: (e) => {
        if (e.kind === 'iteration' && e.iteration >= 2) controller.abort();
      },
    });
    expect(aborted.aborted).toBe(true);
    expect(aborted.ranks.map((k) => k.exitCode)).toEqual([0, 0]);
    const latest = aborted.latestCheckpoint ?? '';
    expect(existsSync(latest)).toBe(true);

    const resumed = await runDistributedTraining(
      await options(join(dir, 'resumed'), { epochs: 1, iterationsPerEpoch: 20, batchSize: 3, resumeFrom: latest }),
      { worldSize: 3, onLog: quiet },
    );
    expect(resumed.aborted).toBe(false);
    expect(resumed.worldSize).toBe(3);
    expect(resumed.epochsCompleted).toBe(1);
    expect(new Set(resumed.ranks.map((k) => k.weightsDigest)).size).toBe(1);
  });
});

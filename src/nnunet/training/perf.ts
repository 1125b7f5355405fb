/**
 * Perf modes of the train stage (the reference's `--other_use`), run on the fold's real data in a
 * scratch folder of the workspace; the fold's results are never touched (the mode is in the key).
 *   fps:     10 warm-up then 100 timed iterations -> fps.json with samples/s of the whole run
 *            (the global batch over all devices: no multiplying by hand) and the share of the timed
 *            window the steps stood still waiting for the loader threads (loaderWaitFraction).
 *   profile: 3 warm-up then 10 traced iterations -> trace.json, a Chrome trace (chrome://tracing,
 *            Perfetto) with one complete event per iteration from host timestamps. The native
 *            runtime does not expose per-operator profiling, so the trace is iteration-level.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { trainModel } from '../../native/addon/index.js';
import type { TrainOptions, TrainProgress } from '../../native/addon/index.js';
import type { PhaseRun } from '../../stage-api/types.js';
import { writeFileAtomic } from '../../util/fs.js';
import type { TrainSetup } from './setup.js';
import { trainOptionsFor } from './train-options.js';
import type { TrainWith } from './with.js';

export const FPS_WARMUP = 10;
export const FPS_TIMED = 100;
const PROFILE_WARMUP = 3;
const PROFILE_TRACED = 10;

/** When each iteration finished (host ms) and how long the steps had waited for the loader threads by then (s). */
interface Timeline {
  ends: number[];
  loaderWaits: number[];
}

/** Runs `warmup + timed` iterations and returns their timeline. */
async function timedIterations(ctx: PhaseRun, w: TrainWith, s: TrainSetup, total: number): Promise<Timeline> {
  const dir = join(ctx.work, `perf-${w.mode}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const ends: number[] = [];
  const loaderWaits: number[] = [];
  // The fold's run cut to one epoch of `total` iterations: no validation, no checkpoint, a scratch folder.
  const options: TrainOptions = {
    ...trainOptionsFor(w, s, { outDir: dir }), valCases: [], epochs: 1, iterationsPerEpoch: total, valIterations: 0, checkpointEvery: 0,
  };
  const start = performance.now();
  const result = await trainModel(options, {
    signal: ctx.signal,
    onProgress: (ev: TrainProgress) => {
      if (ev.kind !== 'iteration') return;
      ends.push(performance.now() - start);
      loaderWaits.push(ev.loaderWaitSeconds ?? 0);
      ctx.report.progress({ done: ev.iteration, total, unit: 'iteration', values: { samplesPerSecond: Number(ev.samplesPerSecond.toFixed(2)) } });
    },
  });
  await rm(dir, { recursive: true, force: true });
  if (result.aborted) throw new Error(`${w.mode} run interrupted after ${ends.length} iterations`);
  if (ends.length !== total) throw new Error(`${w.mode} run: expected ${total} iteration events but received ${ends.length}`);
  return { ends, loaderWaits };
}

function common(w: TrainWith, s: TrainSetup) {
  return {
    fold: w.fold,
    batchSize: s.batchSize,
    patchSize: s.patchSize,
    network: s.network,
    device: s.placement.device,
    threads: s.placement.threads,
    devices: s.placement.devices.length,
    processes: 1,
  };
}

export async function runFps(ctx: PhaseRun, w: TrainWith, s: TrainSetup): Promise<void> {
  ctx.report.log(`fps: ${FPS_WARMUP} warm-up + ${FPS_TIMED} timed iterations, batch ${s.batchSize}, patch [${s.patchSize.join(', ')}], ${s.placement.device}, ${s.placement.threads} threads`);
  const { ends, loaderWaits } = await timedIterations(ctx, w, s, FPS_WARMUP + FPS_TIMED);
  const last = ends.length - 1;
  const seconds = ((ends[last] as number) - (ends[FPS_WARMUP - 1] as number)) / 1000;
  const samplesPerSecond = (FPS_TIMED * s.batchSize) / seconds;
  // The time the timed steps stood still for want of a batch: above a few percent, more loader threads pay.
  const loaderWaitSeconds = (loaderWaits[last] as number) - (loaderWaits[FPS_WARMUP - 1] as number);
  const loaderWaitFraction = seconds > 0 ? loaderWaitSeconds / seconds : 0;
  const result = { mode: 'fps', warmupIterations: FPS_WARMUP, timedIterations: FPS_TIMED, timedSeconds: seconds,
    secondsPerIteration: seconds / FPS_TIMED, samplesPerSecond, loaderWaitSeconds, loaderWaitFraction, ...common(w, s) };
  writeFileAtomic(join(ctx.out, 'fps.json'), `${JSON.stringify(result, null, 2)}\n`);
  ctx.report.log(`fps: ${samplesPerSecond.toFixed(2)} samples/s (${(seconds / FPS_TIMED).toFixed(3)} s per iteration of batch ${s.batchSize}); ` +
    `the steps waited for the loader ${(100 * loaderWaitFraction).toFixed(1)}% of the time`);
  ctx.report.metrics({ samplesPerSecond: Number(samplesPerSecond.toFixed(3)), secondsPerIteration: Number((seconds / FPS_TIMED).toFixed(4)),
    loaderWaitFraction: Number(loaderWaitFraction.toFixed(4)) });
}

export async function runProfile(ctx: PhaseRun, w: TrainWith, s: TrainSetup): Promise<void> {
  const { ends } = await timedIterations(ctx, w, s, PROFILE_WARMUP + PROFILE_TRACED);
  const events = [
    { name: 'process_name', ph: 'M', pid: 1, tid: 1, args: { name: `pipe ${ctx.stage} (${s.placement.device})` } },
    { name: 'thread_name', ph: 'M', pid: 1, tid: 1, args: { name: 'training iterations (host timestamps)' } },
  ];
  for (let i = PROFILE_WARMUP; i < ends.length; i++) {
    const t0 = (ends[i - 1] as number) * 1000;
    const t1 = (ends[i] as number) * 1000;
    events.push({ name: `iteration ${i + 1}`, ph: 'X', pid: 1, tid: 1, ts: t0, dur: t1 - t0, args: { batch: s.batchSize } } as never);
  }
  writeFileAtomic(join(ctx.out, 'trace.json'), `${JSON.stringify({ traceEvents: events, displayTimeUnit: 'ms', metadata: common(w, s) })}\n`);
  const traced = ((ends[ends.length - 1] as number) - (ends[PROFILE_WARMUP - 1] as number)) / 1000;
  ctx.report.metrics({ tracedIterations: PROFILE_TRACED, secondsPerIteration: Number((traced / PROFILE_TRACED).toFixed(4)) });
}

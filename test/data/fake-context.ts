/** A StageContext for calling a stage's run(ctx) directly: temp out/work folders, recorded reports. */
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Progress, StageContext, UpstreamRef } from '../../src/stage-api/types.js';

export interface FakeContext extends StageContext {
  readonly logs: string[];
  readonly progressCalls: Progress[];
  readonly metricsCalls: Record<string, number | string>[];
}

export async function fakeContext(
  kind: string,
  withParams: Record<string, unknown>,
  options: { root?: string; needs?: UpstreamRef[]; projectDir?: string; signal?: AbortSignal; resume?: boolean } = {},
): Promise<FakeContext> {
  const root = options.root ?? (await mkdtemp(join(tmpdir(), `pipe-${kind}-`)));
  const out = await mkdtemp(join(root, 'out-'));
  const work = join(root, 'work');
  await mkdir(work, { recursive: true });
  const logs: string[] = [];
  const progressCalls: Progress[] = [];
  const metricsCalls: Record<string, number | string>[] = [];
  return {
    stage: kind,
    kind,
    key: 'test-key',
    with: withParams,
    matrix: {},
    out,
    committedOut: out,
    work,
    resume: options.resume ?? false,
    projectDir: options.projectDir ?? root,
    needs: options.needs ?? [],
    devices: [],
    deviceKind: 'cpu',
    signal: options.signal ?? new AbortController().signal,
    report: {
      log: (m) => logs.push(m),
      progress: (p) => progressCalls.push(p),
      metrics: (v) => metricsCalls.push({ ...v }),
    },
    logs,
    progressCalls,
    metricsCalls,
  };
}

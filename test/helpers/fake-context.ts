/**
 * A StageContext for calling a stage's run(ctx) directly: temp out/work folders, recorded reports, and
 * `with` checked and filled with the kind's schema defaults, as the stage child does.
 */
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nnunetStageKinds } from '../../src/nnunet/stages/index.js';
import type { Progress, StageContext, UpstreamRef } from '../../src/stage-api/types.js';
import { compileWithSchema } from '../../src/stage-api/with-schema.js';

export interface FakeContext extends StageContext<any> {
  readonly logs: string[];
  readonly progressCalls: Progress[];
  readonly metricsCalls: Record<string, number | string>[];
}

export async function fakeContext(
  kind: string,
  withParams: Record<string, unknown>,
  options: { root?: string; needs?: UpstreamRef[]; projectDir?: string; signal?: AbortSignal; resume?: boolean } = {},
): Promise<FakeContext> {
  const stage = await nnunetStageKinds[kind]?.();
  if (stage === undefined) throw new Error(`fakeContext: unknown kind ${kind}`);
  const check = await compileWithSchema(stage.withSchema);
  withParams = structuredClone(withParams);
  if (!check(withParams)) throw new Error(`fakeContext: invalid with for ${kind}: ${JSON.stringify(check.errors)}`);
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

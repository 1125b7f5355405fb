import type { StageContext, UpstreamRef } from '../../stage-api/types.js';

/** The single upstream of a kind, or a clear error naming what this stage needs. */
export function upstreamOfKind(ctx: Pick<StageContext, 'stage' | 'needs'>, kind: string): UpstreamRef {
  const found = ctx.needs.filter((n) => n.kind === kind);
  if (found.length !== 1) {
    const have = ctx.needs.map((n) => `${n.stage} (${n.kind})`).join(', ') || 'none';
    throw new Error(`${ctx.stage}: expected exactly one upstream of kind ${kind} in needs but found ${found.length} (needs: ${have})`);
  }
  return found[0] as UpstreamRef;
}

/** The upstream of a kind when there is one, undefined when none; more than one is an error naming them. */
export function optionalUpstreamOfKind(ctx: Pick<StageContext, 'stage' | 'needs'>, kind: string): UpstreamRef | undefined {
  const found = ctx.needs.filter((n) => n.kind === kind);
  if (found.length > 1) {
    throw new Error(`${ctx.stage}: expected at most one upstream of kind ${kind} in needs but found ${found.length} (${found.map((n) => n.stage).join(', ')})`);
  }
  return found[0];
}

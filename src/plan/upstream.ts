import type { StageContext, UpstreamRef } from '../stages/types.js';

/** The single upstream of a kind, or a clear error naming what this stage needs. */
export function upstreamOfKind(ctx: Pick<StageContext, 'stage' | 'needs'>, kind: string): UpstreamRef {
  const found = ctx.needs.filter((n) => n.kind === kind);
  if (found.length !== 1) {
    const have = ctx.needs.map((n) => `${n.stage} (${n.kind})`).join(', ') || 'none';
    throw new Error(`${ctx.stage}: expected exactly one upstream of kind ${kind} in needs but found ${found.length} (needs: ${have})`);
  }
  return found[0] as UpstreamRef;
}

/**
 * Topological order by in-degree waves (Kahn): wave 0 has no dependencies, wave n depends only on
 * earlier waves. Within a wave, nodes keep their insertion order. Assumes an acyclic graph.
 */
export function topologicalWaves(dependencies: Readonly<Record<string, readonly string[]>>): string[][] {
  const remaining = new Map(Object.entries(dependencies).map(([n, deps]) => [n, new Set(deps)]));
  const waves: string[][] = [];
  while (remaining.size > 0) {
    const wave = [...remaining].filter(([, deps]) => deps.size === 0).map(([n]) => n);
    if (wave.length === 0) throw new Error('Internal error: topologicalWaves called on a cyclic graph');
    for (const n of wave) remaining.delete(n);
    for (const deps of remaining.values()) for (const n of wave) deps.delete(n);
    waves.push(wave);
  }
  return waves;
}

export function topologicalOrder(dependencies: Readonly<Record<string, readonly string[]>>): string[] {
  return topologicalWaves(dependencies).flat();
}

/**
 * Cycle detection on a plain adjacency map. Returns the cycle as a path that starts and ends on the
 * same node (`['a', 'b', 'a']`) so the error can print `a -> b -> a`; undefined when acyclic.
 */
export function findCycle(dependencies: Readonly<Record<string, readonly string[]>>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    const s = state.get(node);
    if (s === 'done') return undefined;
    if (s === 'visiting') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'visiting');
    stack.push(node);
    for (const dep of dependencies[node] ?? []) {
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of Object.keys(dependencies).sort()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

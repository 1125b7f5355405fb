/** Target selection: the named nodes plus everything they transitively need (like `dvc repro X`). */
export function withUpstream(dependencies: Readonly<Record<string, readonly string[]>>, targets: Iterable<string>): Set<string> {
  const keep = new Set<string>();
  const visit = (n: string): void => {
    if (keep.has(n)) return;
    keep.add(n);
    for (const d of dependencies[n] ?? []) visit(d);
  };
  for (const t of targets) visit(t);
  return keep;
}

/** Ranks with ties averaged (scipy.stats.rankdata's default, 'average'), and the sizes of the tie groups. */

export interface Ranking {
  /** 1-based ranks in input order; tied values share the mean of the ranks they span. */
  readonly ranks: number[];
  /** Sizes of the groups of equal values that hold more than one value. */
  readonly tieGroups: number[];
}

export function averageRanks(values: readonly number[]): Ranking {
  const order = values.map((_, i) => i).sort((a, b) => (values[a] as number) - (values[b] as number));
  const ranks = new Array<number>(values.length).fill(0);
  const tieGroups: number[] = [];
  for (let start = 0; start < order.length; ) {
    let end = start + 1;
    while (end < order.length && values[order[end] as number] === values[order[start] as number]) end++;
    // Positions start..end-1 hold equal values: ranks start+1..end, averaged.
    const rank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) ranks[order[k] as number] = rank;
    if (end - start > 1) tieGroups.push(end - start);
    start = end;
  }
  return { ranks, tieGroups };
}

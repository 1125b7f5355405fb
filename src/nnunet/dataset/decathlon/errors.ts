/** One error for a dataset that fails its checks: every problem, one per line, each naming its case. */
export class DatasetError extends Error {
  override readonly name = 'DatasetError';
  readonly problems: readonly string[];

  constructor(where: string, problems: readonly string[]) {
    const head = `${problems.length} problem${problems.length === 1 ? '' : 's'} in ${where}:`;
    super([head, ...problems.map((p) => `  - ${p}`)].join('\n'));
    this.problems = problems;
  }
}

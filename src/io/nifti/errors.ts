/** The error every NIfTI problem is reported with: it names the file and the problem. */
export class NiftiError extends Error {
  override readonly name = 'NiftiError';
  readonly file: string;
  readonly problem: string;

  constructor(file: string, problem: string, options?: { cause?: unknown }) {
    super(`${file}: ${problem}`, options);
    this.file = file;
    this.problem = problem;
  }
}

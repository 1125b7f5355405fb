/**
 * A training fold's time left: training iterations left × the recent time per iteration, plus the
 * validations left (this epoch's included) × the time the last one took (validation, epoch end and
 * checkpoint: from an epoch's last iteration to its epoch record). So the estimate falls steadily
 * through the last epoch to that validation's length, instead of rising while `done` (the epoch)
 * stands still as a rate of finished epochs does.
 *
 * Until the first validation has been timed, a validation iteration is counted as a third of a
 * training one (a forward pass without augmentation or backward); `valIterations` is 0 without
 * validation cases.
 */

/** How many recent iteration times the estimate averages (a moving window follows speed changes). */
export const ETA_WINDOW = 50;

export interface EtaPlan {
  readonly epochs: number;
  readonly iterationsPerEpoch: number;
  readonly valIterations: number;
}

export class TrainingEta {
  readonly #plan: EtaPlan;
  readonly #now: () => number;
  /** Durations (ms) of the latest training iterations. */
  readonly #iterationMs: number[] = [];
  /** When the previous iteration (or epoch) record arrived; undefined before the first one. */
  #last: number | undefined;
  /** When the current epoch's last iteration ended, while its validation runs. */
  #lastIterationOfEpoch: number | undefined;
  #validationMs: number | undefined;

  constructor(plan: EtaPlan, now: () => number = () => performance.now()) {
    this.#plan = plan;
    this.#now = now;
  }

  /** Iteration `iteration` (1-based) of the current epoch has ended. */
  iteration(iteration: number): void {
    const t = this.#now();
    if (this.#last !== undefined) {
      this.#iterationMs.push(t - this.#last);
      if (this.#iterationMs.length > ETA_WINDOW) this.#iterationMs.shift();
    }
    this.#last = t;
    this.#lastIterationOfEpoch = iteration >= this.#plan.iterationsPerEpoch ? t : undefined;
  }

  /** The current epoch has ended: its validation and checkpoint are done. */
  epochEnd(): void {
    const t = this.#now();
    if (this.#lastIterationOfEpoch !== undefined) this.#validationMs = t - this.#lastIterationOfEpoch;
    this.#lastIterationOfEpoch = undefined;
    this.#last = t;
  }

  /**
   * Seconds left after `iteration` iterations of epoch `epoch` (iteration 0 = the epoch has not
   * started; epoch = epochs: done), or undefined before an iteration time is known.
   */
  remainingSeconds(epoch: number, iteration: number): number | undefined {
    if (this.#iterationMs.length === 0) return undefined;
    const { epochs, iterationsPerEpoch, valIterations } = this.#plan;
    if (epoch >= epochs) return 0;
    const perIteration = this.#iterationMs.reduce((a, b) => a + b, 0) / this.#iterationMs.length;
    const validation = this.#validationMs ?? (valIterations * perIteration) / 3;
    const iterationsLeft = (epochs - epoch) * iterationsPerEpoch - iteration;
    const validationsLeft = epochs - epoch;
    return (iterationsLeft * perIteration + validationsLeft * validation) / 1000;
  }
}

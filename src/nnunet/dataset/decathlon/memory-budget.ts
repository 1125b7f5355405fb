/**
 * A byte budget shared by cases checked in parallel: a case waits until its estimated voxel memory
 * fits beside the cases already running, so a large dataset never exhausts RAM silently. A case
 * above a worker's share (capacity / workers) holds the whole budget: it runs alone. A case that
 * cannot fit even alone is refused by the caller, by name.
 */
export class MemoryBudget {
  readonly #capacity: number;
  readonly #share: number;
  #used = 0;
  readonly #waiting: { bytes: number; wake: () => void }[] = [];

  /** `shareBytes`: above it a request runs alone (default: the capacity, i.e. never alone by size). */
  constructor(capacityBytes: number, shareBytes = capacityBytes) {
    this.#capacity = capacityBytes;
    this.#share = shareBytes;
  }

  get capacity(): number {
    return this.#capacity;
  }

  fits(bytes: number): boolean {
    return bytes <= this.#capacity;
  }

  /** Waits until `bytes` are free (FIFO), then holds them until the returned release is called. */
  async acquire(requested: number): Promise<() => void> {
    if (!this.fits(requested)) throw new Error(`Internal error: ${requested} bytes can never fit a budget of ${this.#capacity}`);
    const bytes = requested > this.#share ? this.#capacity : requested;
    if (this.#waiting.length > 0 || this.#used + bytes > this.#capacity) {
      await new Promise<void>((wake) => this.#waiting.push({ bytes, wake }));
    } else {
      this.#used += bytes;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#used -= bytes;
      this.#drain();
    };
  }

  #drain(): void {
    while (this.#waiting.length > 0) {
      const next = this.#waiting[0]!;
      if (this.#used + next.bytes > this.#capacity) return;
      this.#waiting.shift();
      this.#used += next.bytes;
      next.wake();
    }
  }
}

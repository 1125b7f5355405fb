/**
 * Tiles of sliding-window inference, counted ahead and timed: the count of a volume from its shape, the patch and
 * the step (what core's PredictProbabilities predicts: the volume padded to at least the patch, then per axis
 * ceil((size - patch) / (patch * step)) + 1 starts, as native/src/core/sliding_window.cc's SlidingWindowSteps), and
 * a stage-wide ETA: the wall time since the first case started over the tiles predicted since, times the tiles
 * left in the whole stage (the remaining cases' counts are known from their shapes before they are predicted).
 */
import type { Progress } from '../../stage-api/types.js';

/** Tile starts along one axis of `size` voxels (1 when the axis is no longer than the patch: it is padded). */
export function tileStartsCount(size: number, patch: number, step: number): number {
  if (!(step > 0 && step <= 1)) throw new RangeError(`Expected 0 < step <= 1 for step but received ${step}`);
  if (size <= patch) return 1;
  return Math.ceil((size - patch) / (patch * step)) + 1;
}

/** Tiles of a [Z, Y, X] volume (the spatial shape of a preprocessed case) with a [z, y, x] patch. */
export function tileCount(shape: readonly number[], patch: readonly number[], step: number): number {
  if (shape.length !== 3 || patch.length !== 3) {
    throw new RangeError(`Expected 3 axes for shape and patch but received [${shape.join(', ')}] and [${patch.join(', ')}]`);
  }
  return shape.reduce((n, size, a) => n * tileStartsCount(size, patch[a] as number, step), 1);
}

/**
 * The stage-wide ETA of a sequence of cases. A case may take several passes (an ensemble predicts it once per
 * fold): the caller reports its tiles cumulatively over the passes. A case's planned count may be an estimate
 * (predict: before the image is preprocessed); the runtime's total, once reported, replaces it.
 */
export class TileEta {
  readonly #planned: readonly number[];
  readonly #now: () => number;
  /** Tiles not yet predicted, over the whole stage. */
  #left: number;
  /** Tiles predicted since the first case started, and when that was. */
  #measured = 0;
  #since: number | undefined;
  #case = { done: 0, total: 0 };

  /** @param planned tiles of each case still to predict, in order; `now` in ms. */
  constructor(planned: readonly number[], now: () => number = () => performance.now()) {
    this.#planned = planned;
    this.#now = now;
    this.#left = planned.reduce((a, b) => a + b, 0);
  }

  /** Case `index` (into `planned`) starts. */
  startCase(index: number): void {
    this.#since ??= this.#now();
    this.#case = { done: 0, total: this.#planned[index] ?? 0 };
  }

  /** The runtime reports `done` of `total` tiles of the current case. */
  tiles(done: number, total: number): void {
    this.#left += total - this.#case.total;
    this.#left -= done - this.#case.done;
    this.#measured += done - this.#case.done;
    this.#case = { done, total };
  }

  /** The current case is finished (whatever its last report said). */
  finishCase(): void {
    this.tiles(this.#case.total, this.#case.total);
  }

  tilesLeft(): number {
    return this.#left;
  }

  /** Seconds left for the tiles left at the pace measured so far; undefined before the first tile. */
  remainingSeconds(): number | undefined {
    if (this.#since === undefined || this.#measured <= 0) return undefined;
    const msPerTile = (this.#now() - this.#since) / this.#measured;
    return Math.max(0, this.#left) * msPerTile / 1000;
  }
}

/**
 * The stage progress of case `index` of `count` (`id`) while its tiles are predicted: `case 2/5 tiles 40/216
 * liver_3 ETA 1h12m`, the ETA covering the stage. Without `tiles`: the case just finished.
 */
export function caseTileProgress(eta: TileEta, c: { readonly index: number; readonly count: number; readonly id: string },
  tiles?: { readonly done: number; readonly total: number }): Progress {
  const seconds = eta.remainingSeconds();
  return {
    done: c.index,
    total: c.count,
    unit: 'case',
    message: c.id,
    ...(tiles !== undefined ? { within: { done: tiles.done, total: tiles.total, unit: 'tiles' } } : {}),
    ...(seconds !== undefined ? { remainingSeconds: Number(seconds.toFixed(1)) } : {}),
  };
}

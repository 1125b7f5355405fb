/** Smooth implicit shapes for the phantoms: rotated ellipsoids, soft unions, low-frequency wobble. */
import type { Random } from './random.js';

export type Vec3 = [number, number, number];

/** An ellipsoid in a normalised body frame, rotated about the z axis. */
export class Ellipsoid {
  readonly #cos: number;
  readonly #sin: number;

  constructor(
    readonly centre: Vec3,
    readonly radii: Vec3,
    readonly angle = 0,
  ) {
    this.#cos = Math.cos(angle);
    this.#sin = Math.sin(angle);
  }

  /** Normalised radius: < 1 inside, 1 on the surface. */
  radius(u: number, v: number, w: number): number {
    const du = u - this.centre[0];
    const dv = v - this.centre[1];
    const a = (this.#cos * du + this.#sin * dv) / this.radii[0];
    const b = (-this.#sin * du + this.#cos * dv) / this.radii[1];
    const c = (w - this.centre[2]) / this.radii[2];
    return Math.sqrt(a * a + b * b + c * c);
  }

  /** Scaled copy around the same centre. */
  scaled(f: number): Ellipsoid {
    return new Ellipsoid(this.centre, [this.radii[0] * f, this.radii[1] * f, this.radii[2] * f], this.angle);
  }
}

/** Polynomial smooth minimum: a union without creases where shapes meet. */
export function smoothMin(a: number, b: number, k: number): number {
  const h = Math.max(k - Math.abs(a - b), 0) / k;
  return Math.min(a, b) - (h * h * k) / 4;
}

/** A sum of a few random low-frequency sinusoids, amplitude-bounded: boundary wobble and texture. */
export class Wobble {
  readonly #terms: { k: Vec3; phase: number; amp: number }[] = [];

  constructor(rng: Random, amplitude: number, frequency: [number, number], terms = 4) {
    for (let i = 0; i < terms; i++) {
      const f = rng.uniform(frequency[0], frequency[1]);
      const theta = rng.uniform(0, Math.PI);
      const phi = rng.uniform(0, 2 * Math.PI);
      const k: Vec3 = [f * Math.sin(theta) * Math.cos(phi), f * Math.sin(theta) * Math.sin(phi), f * Math.cos(theta)];
      this.#terms.push({ k, phase: rng.uniform(0, 2 * Math.PI), amp: (amplitude / terms) * rng.uniform(0.5, 1.5) });
    }
  }

  at(u: number, v: number, w: number): number {
    let s = 0;
    for (const t of this.#terms) s += t.amp * Math.sin(t.k[0] * u + t.k[1] * v + t.k[2] * w + t.phase);
    return s;
  }
}

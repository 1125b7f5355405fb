/**
 * One abdominal-CT-like phantom: a body (skin fat, muscle wall, visceral fat) holding a smooth,
 * irregular liver with one to three hypodense tumours, and distractor organs whose intensities
 * overlap the liver's (spleen, kidneys, vessels, intervertebral discs), so intensity alone does not
 * segment it. Every position, size, spacing and intensity is drawn from the case's PRNG.
 *
 * Frame: voxel i runs towards the patient's left and j towards posterior (the affine has negative
 * x and y columns, as MSD's files do), k runs superior. Anatomy is placed in a body frame
 * u = (X - cx)/Rx, v = (Y - cy)/Ry (so the body outline is near u^2 + v^2 = 1) and w = (Z - Zliver)/zUnit.
 */
import { gaussianBlur } from './blur.js';
import type { Random } from './random.js';
import { Ellipsoid, smoothMin, Wobble, type Vec3 } from './shapes.js';

export interface PhantomOptions {
  /** In-plane voxel counts (x and y drawn separately), inclusive range. */
  readonly inPlaneSize: readonly [number, number];
  /** Slice count, inclusive range (when scanLength is not given). */
  readonly slices: readonly [number, number];
  /**
   * Scan length in mm [min, max]: when given, each case draws its slice spacing and then its length,
   * and the slice count follows (round(length / spacing)), as in real CT: thin slices make many of
   * them, thick ones few (Task03: 0.7-5 mm, 150-700 mm, so 75-987 slices). `slices` is then unused.
   */
  readonly scanLength?: readonly [number, number];
  /** In-plane voxel size in mm (x = y). */
  readonly inPlaneSpacing: readonly [number, number];
  /** Slice thickness in mm. */
  readonly sliceSpacing: readonly [number, number];
  /** Image channels (1 = CT; more = extra "phases" with other contrasts, written as a 4D file). */
  readonly channels: number;
}

export interface Phantom {
  /** File order [x, y, z]. */
  readonly shape: [number, number, number];
  readonly spacing: [number, number, number];
  readonly affine: number[][];
  /** One int16 HU volume per channel, file order. */
  readonly channels: Int16Array[];
  /** 0 background, 1 liver, 2 tumour. */
  readonly label: Uint8Array;
  readonly tumours: number;
}

const enum Tissue {
  Air,
  SkinFat,
  Muscle,
  VisceralFat,
  Liver,
  Tumour,
  Necrosis,
  Spleen,
  KidneyCortex,
  KidneyPelvis,
  Aorta,
  Ivc,
  Cortical,
  Marrow,
  Disc,
  StomachFluid,
  Gas,
  Bowel,
  Lung,
  Heart,
}
const TISSUES = 20;

/** Per-tissue intensity texture amplitude (HU) of the low-frequency field. */
const TEXTURE: Readonly<Partial<Record<Tissue, number>>> = {
  [Tissue.Liver]: 6,
  [Tissue.Tumour]: 10,
  [Tissue.Spleen]: 5,
  [Tissue.Muscle]: 6,
  [Tissue.VisceralFat]: 12,
  [Tissue.Bowel]: 15,
  [Tissue.Lung]: 30,
};

function huTable(rng: Random): Float32Array {
  const hu = new Float32Array(TISSUES);
  const liver = rng.uniform(90, 135);
  hu[Tissue.Air] = -1000;
  hu[Tissue.SkinFat] = rng.uniform(-115, -85);
  hu[Tissue.Muscle] = rng.uniform(40, 65);
  hu[Tissue.VisceralFat] = rng.uniform(-105, -75);
  hu[Tissue.Liver] = liver;
  hu[Tissue.Tumour] = liver - rng.uniform(25, 70);
  hu[Tissue.Necrosis] = rng.uniform(5, 30);
  hu[Tissue.Spleen] = liver + rng.uniform(-15, 15);
  hu[Tissue.KidneyCortex] = liver + rng.uniform(10, 55);
  hu[Tissue.KidneyPelvis] = rng.uniform(15, 40);
  hu[Tissue.Aorta] = rng.uniform(140, 220);
  hu[Tissue.Ivc] = liver + rng.uniform(-10, 25);
  hu[Tissue.Cortical] = rng.uniform(450, 750);
  hu[Tissue.Marrow] = rng.uniform(180, 280);
  hu[Tissue.Disc] = rng.uniform(70, 110);
  hu[Tissue.StomachFluid] = rng.uniform(5, 35);
  hu[Tissue.Gas] = rng.uniform(-950, -800);
  hu[Tissue.Bowel] = rng.uniform(20, 70);
  hu[Tissue.Lung] = rng.uniform(-880, -780);
  hu[Tissue.Heart] = rng.uniform(35, 60);
  return hu;
}

/** A later contrast phase for extra channels: every tissue shifted by its own random amount. */
function shiftedTable(rng: Random, base: Float32Array): Float32Array {
  const hu = Float32Array.from(base);
  for (let t = 0; t < TISSUES; t++) if (t !== Tissue.Air) hu[t] = (hu[t] ?? 0) + rng.uniform(-40, 40);
  return hu;
}

const round = (x: number, digits: number): number => Number(x.toFixed(digits));

/** Most slices a phantom may have (NIfTI-1 dims reach 32767; the synthesizer's own limit). */
export const MAX_SLICES = 2048;

/** Slice count and spacing drawn apart (the count from `slices`). */
function countedSlices(rng: Random, options: PhantomOptions): { nz: number; sxy: number; sz: number } {
  const nz = rng.int(options.slices[0], options.slices[1]);
  const sxy = round(rng.uniform(options.inPlaneSpacing[0], options.inPlaneSpacing[1]), 4);
  const sz = round(rng.uniform(options.sliceSpacing[0], options.sliceSpacing[1]), 2);
  return { nz, sxy, sz };
}

/** Slice spacing, then a scan length in mm; the count follows from the two. */
function slicesOfLength(rng: Random, options: PhantomOptions, length: readonly [number, number]): { nz: number; sxy: number; sz: number } {
  const sxy = round(rng.uniform(options.inPlaneSpacing[0], options.inPlaneSpacing[1]), 4);
  const sz = round(rng.uniform(options.sliceSpacing[0], options.sliceSpacing[1]), 2);
  const mm = rng.uniform(length[0], length[1]);
  const nz = Math.min(MAX_SLICES, Math.max(2, Math.round(mm / sz)));
  return { nz, sxy, sz };
}

/**
 * A phantom whose label holds liver and tumour voxels: a draw where the tumours fall between voxel
 * centres (possible in tiny test volumes) is redrawn from the same stream, so it stays deterministic.
 */
export function makePhantom(rng: Random, options: PhantomOptions): Phantom {
  for (let attempt = 0; ; attempt++) {
    const phantom = drawPhantom(rng, options);
    if ((phantom.tumours > 0 && phantom.liverVoxels > 0) || attempt === 20) return phantom;
  }
}

function drawPhantom(rng: Random, options: PhantomOptions): Phantom & { liverVoxels: number } {
  const nx = rng.int(options.inPlaneSize[0], options.inPlaneSize[1]);
  const ny = rng.int(options.inPlaneSize[0], options.inPlaneSize[1]);
  // Without a scan length the draws stay those of earlier versions, so existing seeds give the same phantoms.
  const { nz, sxy, sz } = options.scanLength === undefined ? countedSlices(rng, options) : slicesOfLength(rng, options, options.scanLength);
  const fovX = nx * sxy;
  const fovY = ny * sxy;
  const zExtent = nz * sz;

  // Body outline and layers.
  const rx = fovX * rng.uniform(0.38, 0.46);
  const ry = Math.min(fovY * rng.uniform(0.34, 0.44), rx * rng.uniform(0.72, 0.92));
  const cx = fovX / 2 + fovX * rng.uniform(-0.04, 0.04);
  const cy = fovY / 2 + fovY * rng.uniform(-0.05, 0.05);
  const skinFat = rng.uniform(0.05, 0.14);
  const wall = rng.uniform(0.04, 0.07);
  const cavity = 1 - skinFat - wall;
  const bodyWobble = new Wobble(rng, 0.04, [1, 3]);
  const zLiver = zExtent * rng.uniform(0.4, 0.7);
  // mm per unit of w: between the body's scale and the slab's, so thin and thick slabs both show
  // a liver of a plausible share of the slices.
  const zUnit = Math.sqrt(rx * (zExtent / rng.uniform(2.4, 3.2)));

  // Liver: three soft-united lobes with a low-frequency wobble of the surface.
  const main = new Ellipsoid(
    [rng.uniform(-0.5, -0.32), rng.uniform(-0.12, 0.05), 0],
    [rng.uniform(0.36, 0.5), rng.uniform(0.45, 0.62), rng.uniform(0.4, 0.6)],
    rng.uniform(-0.3, 0.3),
  );
  const left = new Ellipsoid(
    [main.centre[0] + rng.uniform(0.38, 0.55), main.centre[1] - rng.uniform(0.15, 0.3), rng.uniform(0.05, 0.2)],
    [rng.uniform(0.25, 0.38), rng.uniform(0.2, 0.32), rng.uniform(0.2, 0.32)],
    rng.uniform(-0.4, 0.4),
  );
  const tip = new Ellipsoid(
    [main.centre[0] + rng.uniform(-0.1, 0.05), main.centre[1] + rng.uniform(0.0, 0.2), -rng.uniform(0.3, 0.5)],
    [rng.uniform(0.2, 0.3), rng.uniform(0.25, 0.4), rng.uniform(0.25, 0.4)],
    rng.uniform(-0.4, 0.4),
  );
  const liverWobble = new Wobble(rng, rng.uniform(0.1, 0.2), [2, 5]);
  const liverField = (u: number, v: number, w: number): number => {
    const a = main.radius(u, v, w) - 1;
    const b = left.radius(u, v, w) - 1;
    const c = tip.radius(u, v, w) - 1;
    return smoothMin(smoothMin(a, b, 0.3), c, 0.3) + liverWobble.at(u, v, w);
  };
  const dome = main.centre[2] + main.radii[2] * rng.uniform(0.6, 0.85);
  const isLung = (u: number, v: number, w: number): boolean => w > dome - 0.25 * v + 0.3 * u * u;

  // Tumours: centres sampled inside the liver and inside the scanned slab; varied sizes.
  const tumourCount = rng.int(1, 3);
  const tumours: { shape: Ellipsoid; wobble: Wobble; necrotic: boolean }[] = [];
  const wOf = (z: number): number => (z - zLiver) / zUnit;
  for (let attempt = 0; tumours.length < tumourCount && attempt < 2000; attempt++) {
    const c: Vec3 = [
      main.centre[0] + rng.uniform(-0.6, 0.9),
      main.centre[1] + rng.uniform(-0.7, 0.7),
      wOf(rng.uniform(0.05, 0.95) * zExtent),
    ];
    const depth = attempt < 1500 ? -0.2 : -0.05;
    if (liverField(c[0], c[1], c[2]) > depth || isLung(c[0], c[1], c[2])) continue;
    const rmm = Math.max(rx * rng.uniform(0.05, 0.24), 1.5 * sxy);
    const rz = Math.max(rmm * rng.uniform(0.8, 1.2), 0.75 * sz);
    const radii: Vec3 = [(rmm / rx) * rng.uniform(0.8, 1.2), (rmm / ry) * rng.uniform(0.8, 1.2), rz / zUnit];
    tumours.push({
      shape: new Ellipsoid(c, radii, rng.uniform(0, Math.PI)),
      wobble: new Wobble(rng, 0.15, [3, 8], 3),
      necrotic: rng.chance(0.3),
    });
  }

  // Distractors.
  const spleen = new Ellipsoid(
    [rng.uniform(0.5, 0.62), rng.uniform(0.15, 0.35), rng.uniform(0.0, 0.25)],
    [rng.uniform(0.14, 0.22), rng.uniform(0.22, 0.32), rng.uniform(0.25, 0.38)],
    rng.uniform(-0.6, 0.2),
  );
  const kidneyZ = -rng.uniform(0.45, 0.7);
  const kidneys = [-1, 1].map(
    (side) =>
      new Ellipsoid(
        [side * rng.uniform(0.36, 0.46), rng.uniform(0.42, 0.55), kidneyZ + rng.uniform(-0.1, 0.1)],
        [rng.uniform(0.12, 0.17), rng.uniform(0.17, 0.23), rng.uniform(0.25, 0.35)],
        side * rng.uniform(0.2, 0.6),
      ),
  );
  const stomach = new Ellipsoid(
    [rng.uniform(0.2, 0.4), rng.uniform(-0.45, -0.2), rng.uniform(0.0, 0.3)],
    [rng.uniform(0.18, 0.28), rng.uniform(0.16, 0.25), rng.uniform(0.2, 0.35)],
    rng.uniform(-0.5, 0.5),
  );
  const bowel: { shape: Ellipsoid; gas: boolean }[] = [];
  for (let b = rng.int(3, 7); b > 0; b--) {
    bowel.push({
      shape: new Ellipsoid(
        [rng.uniform(-0.4, 0.5), rng.uniform(-0.55, 0.1), -rng.uniform(0.5, 1.6)],
        [rng.uniform(0.06, 0.14), rng.uniform(0.06, 0.14), rng.uniform(0.1, 0.3)],
        rng.uniform(0, Math.PI),
      ),
      gas: rng.chance(0.35),
    });
  }
  const heart = new Ellipsoid(
    [rng.uniform(0.0, 0.2), rng.uniform(-0.35, -0.1), dome + rng.uniform(0.3, 0.5)],
    [rng.uniform(0.25, 0.35), rng.uniform(0.3, 0.4), rng.uniform(0.3, 0.45)],
    rng.uniform(-0.5, 0.5),
  );
  const spine: Vec3 = [rng.uniform(-0.04, 0.04), rng.uniform(0.58, 0.68), 0];
  const spineR = rng.uniform(0.11, 0.15);
  const discPeriod = rng.uniform(0.75, 0.95);
  const discPhase = rng.uniform(0, 1);
  const aorta = { u: spine[0] + rng.uniform(0.06, 0.14), v: spine[1] - rng.uniform(0.22, 0.3), r: rng.uniform(0.05, 0.075) };
  const ivc = { u: spine[0] - rng.uniform(0.12, 0.2), v: spine[1] - rng.uniform(0.22, 0.32), r: rng.uniform(0.05, 0.08) };
  const paraspinal = [-1, 1].map((side) => ({ u: side * rng.uniform(0.15, 0.22), v: spine[1] + rng.uniform(0.18, 0.24) }));

  // Tissue map, x fastest.
  const count = nx * ny * nz;
  const tissue = new Uint8Array(count);
  for (let k = 0; k < nz; k++) {
    const w = wOf((k + 0.5) * sz);
    const discSlice = (((w / discPeriod + discPhase) % 1) + 1) % 1 < 0.22;
    for (let j = 0; j < ny; j++) {
      const v = ((j + 0.5) * sxy - cy) / ry;
      for (let i = 0; i < nx; i++) {
        const u = ((i + 0.5) * sxy - cx) / rx;
        const rho = Math.hypot(u, v) * (1 + bodyWobble.at(u, v, w * 0.5));
        let t: Tissue;
        if (rho >= 1) t = Tissue.Air;
        else if (rho >= 1 - skinFat) t = Tissue.SkinFat;
        else if (rho >= cavity) t = Tissue.Muscle;
        else {
          t = Tissue.VisceralFat;
          const lung = isLung(u, v, w);
          for (const b of bowel) if (b.shape.radius(u, v, w) < 1) t = b.gas ? Tissue.Gas : Tissue.Bowel;
          if (stomach.radius(u, v, w) < 1) {
            t = v < stomach.centre[1] - stomach.radii[1] * 0.55 && w > stomach.centre[2] ? Tissue.Gas : Tissue.StomachFluid;
          }
          for (const kidney of kidneys) {
            const r = kidney.radius(u, v, w);
            if (r < 1) t = r < 0.45 ? Tissue.KidneyPelvis : Tissue.KidneyCortex;
          }
          if (spleen.radius(u, v, w) < 1) t = Tissue.Spleen;
          if (Math.hypot(u - aorta.u, v - aorta.v) < aorta.r) t = Tissue.Aorta;
          if (Math.hypot(u - ivc.u, v - ivc.v) < ivc.r && w < dome) t = Tissue.Ivc;
          if (!lung && liverField(u, v, w) < 0) {
            t = Tissue.Liver;
            for (const tumour of tumours) {
              const r = tumour.shape.radius(u, v, w) + tumour.wobble.at(u, v, w);
              if (r < 1) t = tumour.necrotic && r < 0.45 ? Tissue.Necrosis : Tissue.Tumour;
            }
          }
          if (lung && t === Tissue.VisceralFat) t = heart.radius(u, v, w) < 1 ? Tissue.Heart : Tissue.Lung;
          for (const p of paraspinal) if (Math.hypot((u - p.u) / 0.13, (v - p.v) / 0.12) < 1) t = Tissue.Muscle;
          const ds = Math.hypot(u - spine[0], (v - spine[1]) * (ry / rx));
          if (ds < spineR) t = discSlice ? Tissue.Disc : ds > spineR * 0.8 ? Tissue.Cortical : Tissue.Marrow;
        }
        tissue[i + nx * (j + ny * k)] = t;
      }
    }
  }

  const label = new Uint8Array(count);
  let tumourVoxels = 0;
  let liverVoxels = 0;
  for (let n = 0; n < count; n++) {
    const t = tissue[n];
    if (t === Tissue.Liver) {
      label[n] = 1;
      liverVoxels++;
    }
    else if (t === Tissue.Tumour || t === Tissue.Necrosis) {
      label[n] = 2;
      tumourVoxels++;
    }
  }

  const base = huTable(rng);
  const texture = new Wobble(rng, 1, [3, 9], 5);
  const blurMm = rng.uniform(0.4, 0.9);
  const noiseSd = rng.uniform(6, 16);
  const channels: Int16Array[] = [];
  for (let c = 0; c < options.channels; c++) {
    const hu = c === 0 ? base : shiftedTable(rng, base);
    const image = new Float32Array(count);
    for (let k = 0; k < nz; k++) {
      const w = wOf((k + 0.5) * sz);
      for (let j = 0; j < ny; j++) {
        const v = ((j + 0.5) * sxy - cy) / ry;
        for (let i = 0; i < nx; i++) {
          const n = i + nx * (j + ny * k);
          const t = tissue[n] as Tissue;
          const amp = TEXTURE[t];
          const u = ((i + 0.5) * sxy - cx) / rx;
          image[n] = (hu[t] ?? 0) + (amp ? amp * texture.at(u, v, w) : 0);
        }
      }
    }
    gaussianBlur(image, [nx, ny, nz], [blurMm / sxy, blurMm / sxy, blurMm / sz]);
    const out = new Int16Array(count);
    for (let n = 0; n < count; n++) {
      const value = Math.round((image[n] ?? 0) + noiseSd * rng.normal());
      out[n] = Math.max(-1024, Math.min(3071, value));
    }
    channels.push(out);
  }

  const affine = [
    [-sxy, 0, 0, round(sxy * (nx - 1) * rng.uniform(0.4, 0.6), 3)],
    [0, -sxy, 0, round(sxy * (ny - 1) * rng.uniform(0.4, 0.6) + rng.uniform(-30, 30), 3)],
    [0, 0, sz, round(rng.uniform(-700, -100), 2)],
    [0, 0, 0, 1],
  ];
  return {
    shape: [nx, ny, nz],
    spacing: [sxy, sxy, sz],
    affine,
    channels,
    label,
    tumours: tumourVoxels > 0 ? tumours.length : 0,
    liverVoxels,
  };
}

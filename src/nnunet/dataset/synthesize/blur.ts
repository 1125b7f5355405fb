/** Separable Gaussian blur of a C-order (z, y, x) float volume, in place. */
export function gaussianBlur(
  data: Float32Array,
  shape: readonly [number, number, number],
  sigma: readonly [number, number, number],
): void {
  const [nx, ny, nz] = shape;
  const strides = [1, nx, nx * ny];
  const lengths = [nx, ny, nz];
  for (let axis = 0; axis < 3; axis++) {
    const s = sigma[axis] ?? 0;
    const n = lengths[axis] ?? 1;
    if (s <= 0.05 || n < 2) continue;
    const kernel = gaussianKernel(s);
    const stride = strides[axis] ?? 1;
    const line = new Float32Array(n);
    const total = data.length / n;
    // Visit every line along `axis`: the start index runs over all voxels with that coordinate 0.
    for (let l = 0; l < total; l++) {
      const start = lineStart(l, axis, nx, ny);
      for (let i = 0; i < n; i++) line[i] = data[start + i * stride] ?? 0;
      convolveLine(line, kernel, data, start, stride);
    }
  }
}

function lineStart(l: number, axis: number, nx: number, ny: number): number {
  if (axis === 0) return l * nx;
  if (axis === 1) return (l % nx) + Math.floor(l / nx) * nx * ny;
  return l;
}

function gaussianKernel(sigma: number): Float32Array {
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const v = Math.exp(-(i * i) / (2 * sigma * sigma));
    k[i + radius] = v;
    sum += v;
  }
  for (let i = 0; i < k.length; i++) k[i] = (k[i] ?? 0) / sum;
  return k;
}

/** Convolves `line` with `kernel` (edges mirrored) into `out` at start + i * stride. */
function convolveLine(line: Float32Array, kernel: Float32Array, out: Float32Array, start: number, stride: number): void {
  const n = line.length;
  const r = (kernel.length - 1) / 2;
  for (let i = 0; i < n; i++) {
    let acc = 0;
    for (let k = -r; k <= r; k++) {
      let j = i + k;
      if (j < 0) j = -j - 1;
      else if (j >= n) j = 2 * n - j - 1;
      j = Math.min(n - 1, Math.max(0, j));
      acc += (line[j] ?? 0) * (kernel[k + r] ?? 0);
    }
    out[start + i * stride] = acc;
  }
}

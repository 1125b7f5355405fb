/**
 * Reference checks through Debian's nibabel (/usr/bin/python3). Tests that need it skip with a
 * clear message when it is missing (scripts/setup.sh installs python3-nibabel).
 */
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';

export const PYTHON = '/usr/bin/python3';

export const nibabelMissing: string | undefined = (() => {
  const r = spawnSync(PYTHON, ['-c', 'import nibabel, numpy'], { encoding: 'utf8' });
  if (r.error) return `${PYTHON} not runnable (${r.error.message}); run scripts/setup.sh`;
  if (r.status !== 0) return `${PYTHON} lacks nibabel/numpy (${r.stderr.trim().split('\n').pop()}); run scripts/setup.sh`;
  return undefined;
})();

if (nibabelMissing) console.warn(`[skip] nibabel reference checks skipped: ${nibabelMissing}`);

/** Runs a Python snippet; `args` reach it as sys.argv[1:]. Returns stdout. */
export function python(code: string, args: string[] = []): string {
  const r = spawnSync(PYTHON, ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`python failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

export interface NibabelView {
  shape: number[];
  zooms: number[];
  affine: number[][];
  dtype: string;
  qformCode: number;
  sformCode: number;
  pixdim0: number;
  quatern: number[];
  srow: number[][];
  /** get_fdata() in file order (x fastest), float64. */
  data: Float64Array;
}

const DESCRIBE = `
import sys, json, numpy as np, nibabel as nib
out = []
for i, f in enumerate(sys.argv[2:]):
    img = nib.load(f)
    h = img.header
    data = np.asarray(img.get_fdata(), dtype='<f8')
    dump = '%s/%d.f8' % (sys.argv[1], i)
    data.tofile(dump) if data.ndim == 0 else open(dump, 'wb').write(data.tobytes(order='F'))
    q = [float(h['quatern_b']), float(h['quatern_c']), float(h['quatern_d']), float(h['qoffset_x']), float(h['qoffset_y']), float(h['qoffset_z'])]
    srow = [[float(v) for v in h['srow_' + a]] for a in 'xyz']
    out.append(dict(shape=list(img.shape), zooms=[float(z) for z in h.get_zooms()], affine=img.affine.tolist(),
        dtype=str(np.dtype(h.get_data_dtype()).newbyteorder('=')), qformCode=int(h['qform_code']), sformCode=int(h['sform_code']),
        pixdim0=float(h['pixdim'][0]), quatern=q, srow=srow, dump=dump))
print(json.dumps(out))
`;

/** What nibabel sees in each file. `scratch` is a folder for the voxel dumps. */
export async function nibabelView(files: string[], scratch: string): Promise<NibabelView[]> {
  const parsed = JSON.parse(python(DESCRIBE, [scratch, ...files])) as (Omit<NibabelView, 'data'> & { dump: string })[];
  return Promise.all(
    parsed.map(async ({ dump, ...rest }) => {
      const bytes = await readFile(dump);
      const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      return { ...rest, data: new Float64Array(copy) };
    }),
  );
}

// Parity of the native networks with their Python reference definitions: UNet++ (bench/train_step/train_step.py) and
// nnU-Net's Generic_UNet (bench/train_step/generic_unet.py, nnU-Net's module layout). The native side
// (native/build/parity_bench) writes its initial weights, a seeded input, its per-head outputs and of one training
// step the loss, the gradient of every head's logits and every parameter's gradient; bench/train_step/parity.py loads
// the weights by name into the Python network and compares. A tiny anisotropic plan, so per-plan kernels, strides,
// head order (and for Generic_UNet the per-head target downsampling and nnU-Net's loss weights) all have to agree.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { readNpy, writeNpy } from './helpers/npy.js';

const root = join(import.meta.dirname, '..', '..');
const bench = join(root, 'native', 'build', 'parity_bench');
const script = join(root, 'bench', 'train_step', 'parity.py');
const python = '/usr/bin/python3';

function pythonHasTorch(): boolean {
  try {
    execFileSync(python, ['-c', 'import torch, numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const haveBench = existsSync(bench);
const haveTorch = haveBench && pythonHasTorch();
// setup builds native/ in CI, so there the bench must exist: never skip silently for that reason.
const mustRun = haveBench || Boolean(process.env['CI']);
if (mustRun && !haveTorch) console.warn(`parity test skipped: ${python} cannot import torch and numpy`);

interface Run {
  status: number;
  output: string;
}

function runParity(dir: string): Run {
  try {
    const output = execFileSync(python, [script, dir, '--threads', '2'], { encoding: 'utf8', stdio: 'pipe' });
    return { status: 0, output };
  } catch (error) {
    const e = error as { status?: number; stdout?: string; stderr?: string };
    return { status: e.status ?? -1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

function parityFigures(output: string): Record<string, string> {
  const line = output.split('\n').find((l) => l.startsWith('PARITY ')) ?? '';
  return Object.fromEntries([...line.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1] ?? '', m[2] ?? '']));
}

const networks = [
  { network: 'unetpp', label: 'UNet++', weight: 'enc1.0.conv.weight' },
  { network: 'unet', label: "nnU-Net's Generic_UNet", weight: 'dec1.0.conv.weight' },
] as const;

describe.runIf(mustRun && haveTorch).each(networks)('native $label vs its Python definition', ({ network, weight }) => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), `pipe-parity-${network}-`));
    execFileSync(bench, [
      `out=${dir}`, `network=${network}`, 'threads=2', 'in=1', 'classes=3', 'base=4', 'max=16',
      'pool=1x2x2,2x2x2,2x2x2', 'conv=1x3x3,3x3x3,3x3x3,3x3x3', 'patch=8,16,16', 'batch=2', 'seed=3',
    ], { encoding: 'utf8', env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' } });
  }, 60_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('gives the same head outputs, losses and gradients (of every head and parameter) from the same weights', { timeout: 60_000 }, () => {
    const run = runParity(dir);
    expect(run.status, run.output).toBe(0);
    const f = parityFigures(run.output);
    console.log(run.output.split('\n').find((l) => l.startsWith('PARITY ')));
    expect(f['network']).toBe(network);
    expect(f['max_rel'], run.output).toBeDefined();
    expect(Number(f['max_rel'])).toBeLessThan(1e-4);
    expect(Number(f['head_max_rel'])).toBeLessThan(1e-4);
    expect(Number(f['dhead_max_rel'])).toBeLessThan(1e-4);
    expect(Number(f['grad_max_rel'])).toBeLessThan(1e-3);
    expect(Math.abs(Number(f['loss_native']) - Number(f['loss_python']))).toBeLessThan(1e-4);
    expect(Math.abs(Number(f['grad_native']) - Number(f['grad_python']))).toBeLessThan(1e-3 * Number(f['grad_native']));
    expect(run.output).toMatch(/ ok\s*$/);
  });

  it('fails when one weight differs', { timeout: 60_000 }, () => {
    const file = join(dir, 'params', `${weight}.npy`);
    const { shape, data } = readNpy(file);
    const changed = new Float32Array(data);
    changed[0] = (changed[0] ?? 0) + 0.5;
    writeNpy(file, '<f4', shape, changed);
    const run = runParity(dir);
    expect(run.status, run.output).toBe(1);
    expect(run.output).toMatch(/PARITY .* FAIL/);
    writeNpy(file, '<f4', shape, new Float32Array(data));
  });
});

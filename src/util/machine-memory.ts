/**
 * How much memory this process may use, read from the machine: the physical RAM, lowered by the Slurm
 * job's allocation (SLURM_MEM_PER_NODE, or SLURM_MEM_PER_CPU x the job's CPUs on this node) and by the
 * memory limit of the process's cgroup (v2 memory.max, v1 memory.limit_in_bytes, along its path up to
 * the root), whichever is smallest. Stages with a memory budget default to this, less a margin.
 */
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { posix } from 'node:path';

export interface MemoryOffer {
  readonly bytes: number;
  /** Where the figure comes from, for messages: "24.0 GiB physical memory", "Slurm job (SLURM_MEM_PER_NODE=16000)". */
  readonly from: string;
}

/** What the lookups read; tests pass their own. */
export interface MachineView {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly totalBytes: number;
  /** A file's text, or undefined when it cannot be read. */
  readonly readText: (file: string) => string | undefined;
}

const MiB = 2 ** 20;
const GiB = 2 ** 30;

export function formatGiB(bytes: number): string {
  return `${(bytes / GiB).toFixed(2)} GiB`;
}

function readOrUndefined(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export const thisMachine = (): MachineView => ({ env: process.env, totalBytes: totalmem(), readText: readOrUndefined });

const positive = (text: string | undefined): number | undefined => {
  if (text === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(text)) return undefined;
  const v = Number(text);
  return v > 0 ? v : undefined;
};

/** Slurm exports memory in megabytes (MiB). */
function slurmOffer(env: MachineView['env']): MemoryOffer | undefined {
  const perNode = positive(env['SLURM_MEM_PER_NODE']);
  if (perNode !== undefined) {
    return { bytes: perNode * MiB, from: `the Slurm job's ${formatGiB(perNode * MiB)} (SLURM_MEM_PER_NODE=${env['SLURM_MEM_PER_NODE']})` };
  }
  const perCpu = positive(env['SLURM_MEM_PER_CPU']);
  if (perCpu === undefined) return undefined;
  const cpusVar = ['SLURM_CPUS_ON_NODE', 'SLURM_CPUS_PER_TASK'].find((v) => positive(env[v]) !== undefined);
  const cpus = cpusVar !== undefined ? Math.floor(positive(env[cpusVar]) as number) : 1;
  const bytes = perCpu * cpus * MiB;
  const times = cpusVar !== undefined ? `${cpusVar}=${cpus}` : '1 CPU';
  return { bytes, from: `the Slurm job's ${formatGiB(bytes)} (SLURM_MEM_PER_CPU=${env['SLURM_MEM_PER_CPU']} x ${times})` };
}

/** The folders from `/sys/fs/cgroup<sub><path>` up to `/sys/fs/cgroup<sub>`. */
function cgroupDirs(sub: string, path: string): string[] {
  const dirs: string[] = [];
  let p = posix.normalize(`/${path}`);
  for (;;) {
    dirs.push(posix.join('/sys/fs/cgroup', sub, p));
    if (p === '/') return dirs;
    p = posix.dirname(p);
  }
}

/** Limit files to look at, from /proc/self/cgroup lines `0::/path` (v2) and `N:a,memory,b:/path` (v1). */
function cgroupLimitFiles(view: MachineView): string[] {
  const files: string[] = [];
  for (const line of (view.readText('/proc/self/cgroup') ?? '').split('\n')) {
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 0 || second < 0) continue;
    const controllers = line.slice(first + 1, second);
    const path = line.slice(second + 1) || '/';
    if (line.slice(0, first) === '0' && controllers === '') {
      for (const d of cgroupDirs('', path)) files.push(posix.join(d, 'memory.max'));
    } else if (controllers.split(',').includes('memory')) {
      for (const d of cgroupDirs('memory', path)) files.push(posix.join(d, 'memory.limit_in_bytes'));
    }
  }
  if (files.length === 0) files.push('/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes');
  return files;
}

/** The tightest cgroup limit along the process's cgroup path. */
function cgroupOffer(view: MachineView): MemoryOffer | undefined {
  let best: MemoryOffer | undefined;
  for (const file of cgroupLimitFiles(view)) {
    const bytes = positive(view.readText(file)?.trim()); // v2 writes "max" for no limit
    // v1 writes "no limit" as a huge page-rounded number: a limit at or above the RAM limits nothing.
    if (bytes === undefined || bytes >= view.totalBytes) continue;
    if (best === undefined || bytes < best.bytes) best = { bytes, from: `the cgroup limit of ${formatGiB(bytes)} (${file})` };
  }
  return best;
}

/** The memory this process may use: the smallest of RAM, Slurm allocation and cgroup limit. */
export function memoryOffer(view: MachineView = thisMachine()): MemoryOffer {
  let offer: MemoryOffer = { bytes: view.totalBytes, from: `the machine's ${formatGiB(view.totalBytes)} of RAM` };
  for (const o of [slurmOffer(view.env), cgroupOffer(view)]) if (o !== undefined && o.bytes < offer.bytes) offer = o;
  return offer;
}

/** Kept back for the OS, the runner and other processes: a tenth of the offer, at least 1 GiB. */
export function memoryMargin(offerBytes: number): number {
  return Math.max(GiB, offerBytes / 10);
}

export interface MemoryBudgetChoice {
  /** Bytes the stage's cases in flight may take together. */
  readonly bytes: number;
  /** Each worker's share (bytes / workers): a case estimated above it runs alone. */
  readonly share: number;
  /** `memory_gb = 8`, or `memory budget 21.19 GiB from the machine (...)`: for logs and refusals. */
  readonly describe: string;
  /** True when the budget came from the machine (memory_gb was null). */
  readonly fromMachine: boolean;
}

/**
 * The budget of a stage running `workers` cases at once: `memoryGb` when set, else the machine's offer
 * less the margin (never below 1 GiB).
 */
export function memoryBudget(memoryGb: number | null | undefined, workers: number, view?: MachineView): MemoryBudgetChoice {
  const n = Math.max(1, workers);
  if (memoryGb !== null && memoryGb !== undefined) {
    const bytes = memoryGb * GiB;
    return { bytes, share: bytes / n, describe: `memory_gb = ${memoryGb}`, fromMachine: false };
  }
  const offer = memoryOffer(view);
  const bytes = Math.max(GiB, offer.bytes - memoryMargin(offer.bytes));
  return {
    bytes,
    share: bytes / n,
    describe: `memory budget ${formatGiB(bytes)} from the machine (${offer.from} less a ${formatGiB(memoryMargin(offer.bytes))} margin)`,
    fromMachine: true,
  };
}

/** This process's peak resident memory so far (getrusage maxrss, the kernel's VmHWM), in GiB to 2 decimals. */
export function peakRssGiB(): number {
  return Number(((process.resourceUsage().maxRSS * 1024) / GiB).toFixed(2));
}

/**
 * A real one-node Slurm cluster for a test file: `scripts/dev-slurm.sh up` in a fresh temp folder (its own
 * munged socket, slurm.conf, free ports), torn down by the PIDs it recorded with `down` in afterAll — which
 * vitest runs after failed tests too. Use `describe.runIf(slurmAvailable())` so machines without Slurm skip.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/util/package-root.js';

const SCRIPT = join(packageRoot(), 'scripts', 'dev-slurm.sh');

/** slurm-wlm and munge installed, and root (slurmd starts jobs as their submitting user). */
export function slurmAvailable(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('sh', ['-c', 'command -v slurmctld && command -v slurmd && command -v munged && command -v sbatch'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface SlurmCluster {
  readonly dir: string;
  /** SLURM_CONF for the clients (sbatch, squeue, ...) and for `pipe`. */
  readonly conf: string;
  /** Environment entries a `pipe` run against this cluster needs. */
  readonly env: Record<string, string>;
  /** Runs a Slurm client (`squeue`, `scontrol`, ...) against this cluster; its stdout. */
  client(command: string, args: readonly string[]): string;
  /** Stops slurmctld alone (an outage: slurmd and its jobs run on); `startController` brings it back with its state. */
  stopController(): void;
  startController(): void;
  stop(): void;
}

export function startSlurm(): SlurmCluster {
  const dir = mkdtempSync(join(tmpdir(), 'pipe-slurm-'));
  execFileSync('bash', [SCRIPT, 'up', dir], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 60_000 });
  const conf = join(dir, 'slurm.conf');
  const env = { SLURM_CONF: conf, PIPE_SLURM_POLL_MS: '250' };
  return {
    dir,
    conf,
    env,
    client: (command, args) => execFileSync(command, [...args], { env: { ...process.env, SLURM_CONF: conf }, encoding: 'utf8' }),
    stopController: () => {
      const pid = Number(readFileSync(join(dir, 'slurmctld.pid'), 'utf8'));
      process.kill(pid, 'SIGTERM');
      const deadline = Date.now() + 30_000;
      while (alive(pid)) {
        if (Date.now() > deadline) throw new Error(`slurmctld ${pid} did not stop within 30 s`);
        execFileSync('sleep', ['0.1']);
      }
    },
    startController: () => {
      // Without -i/-c: it recovers its jobs from the state it saved when it stopped.
      execFileSync('slurmctld', ['-f', conf], { stdio: 'ignore' });
      execFileSync('sh', ['-c', 'for i in $(seq 1 150); do sinfo -h >/dev/null 2>&1 && exit 0; sleep 0.2; done; exit 1'], { env: { ...process.env, SLURM_CONF: conf }, stdio: 'ignore', timeout: 60_000 });
    },
    stop: () => execFileSync('bash', [SCRIPT, 'down', dir], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 60_000 }),
  };
}

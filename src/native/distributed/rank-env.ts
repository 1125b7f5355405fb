// The rendezvous settings one rank reads from its environment: RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR,
// MASTER_PORT (torchrun's names), falling back to Slurm's SLURM_PROCID / SLURM_NTASKS / SLURM_LOCALID so that
// `srun node dist/native/distributed/rank.js` works without a wrapper (MASTER_ADDR / MASTER_PORT must still be given).
export interface RankEnv {
  rank: number;
  worldSize: number;
  localRank: number;
  masterAddr: string;
  masterPort: number;
}

function intVar(env: NodeJS.ProcessEnv, names: readonly string[], min: number, fallback?: number): number {
  for (const name of names) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const v = Number(raw);
    if (!Number.isInteger(v) || v < min)
      throw new Error(`Expected an integer >= ${min} for $${name} but received ${JSON.stringify(raw)}`);
    return v;
  }
  if (fallback !== undefined) return fallback;
  throw new Error(`Expected $${names.join(' or $')} to be set for a distributed rank`);
}

export function rankEnv(env: NodeJS.ProcessEnv = process.env): RankEnv {
  const worldSize = intVar(env, ['WORLD_SIZE', 'SLURM_NTASKS'], 1);
  const rank = intVar(env, ['RANK', 'SLURM_PROCID'], 0);
  if (rank >= worldSize) throw new Error(`Expected $RANK < $WORLD_SIZE (${worldSize}) but received ${rank}`);
  const localRank = intVar(env, ['LOCAL_RANK', 'SLURM_LOCALID'], 0, 0);
  const masterPort = intVar(env, ['MASTER_PORT', 'PIPE_MASTER_PORT'], 1);
  if (masterPort > 65535) throw new Error(`Expected $MASTER_PORT <= 65535 but received ${masterPort}`);
  const masterAddr = env['MASTER_ADDR'] ?? '';
  if (worldSize > 1 && masterAddr === '') throw new Error('Expected $MASTER_ADDR (host of rank 0) to be set');
  return { rank, worldSize, localRank, masterAddr: masterAddr || '127.0.0.1', masterPort };
}

/** The environment of rank `rank` started by the single-host launcher. */
export function rankEnvVars(r: RankEnv): Record<string, string> {
  return {
    RANK: String(r.rank),
    WORLD_SIZE: String(r.worldSize),
    LOCAL_RANK: String(r.localRank),
    MASTER_ADDR: r.masterAddr,
    MASTER_PORT: String(r.masterPort),
  };
}
